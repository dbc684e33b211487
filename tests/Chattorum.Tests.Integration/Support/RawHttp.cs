using System.Globalization;
using System.Text;

namespace Chattorum.Tests.Integration.Support;

/// <summary>HTTP/1.1 responses read by hand off a raw connection, a byte at a time so that nothing after them is taken.</summary>
public static class RawHttp
{
    /// <summary>Reads one response, its head and (when it says how long, or is chunked) its body: its status and head.</summary>
    public static async Task<(int Status, string Head)> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException($"the connection closed after: {head}");
            }

            head.Append((char)one[0]);
        }

        var text = head.ToString();
        var lines = text.Split("\r\n");
        if (Field(lines, "Content-Length") is { } length)
        {
            await stream.ReadExactlyAsync(new byte[int.Parse(length, CultureInfo.InvariantCulture)], cancellationToken);
        }
        else if (Field(lines, "Transfer-Encoding") is { } encoding && encoding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new StringBuilder();
            while (!body.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(one, cancellationToken);
                body.Append((char)one[0]);
            }
        }

        return (int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), text);
    }

    /// <summary>A field of a response head, if it has one.</summary>
    public static string? Field(string head, string name) => Field(head.Split("\r\n"), name);

    private static string? Field(string[] lines, string name) =>
        lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) is { } line ? line[(name.Length + 1)..].Trim() : null;

    /// <summary>Whether the server closes the connection (a reset counts) without sending anything more.</summary>
    public static async Task<bool> IsClosedAsync(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(new byte[1], cancellationToken) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
