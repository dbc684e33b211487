using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A minimal RESP2 client to one Redis node, for the cluster fixture's own commands (CLUSTER NODES, SETSLOT,
/// MIGRATE...). The fixture must not lean on StackExchange.Redis: how that library copes with the cluster's
/// changes is what the tests examine, so the fixture talks to each node directly, and only to the node it names.
/// </summary>
/// <remarks>
/// Replies come back as <see cref="string"/> (simple and bulk strings), <see cref="long"/>, <c>null</c> or
/// <c>object?[]</c>; an error reply throws <see cref="RedisNodeException"/>. Text is Latin-1, which maps every
/// byte to one char and back: lengths agree with RESP's byte counts and keys read here are written back unchanged.
/// </remarks>
public sealed class RedisNodeClient : IDisposable
{
    /// <summary>Long enough for a MIGRATE batch on a busy machine; short enough that a stopped node fails a poll rather than hangs it.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private static readonly Encoding Text = Encoding.Latin1;
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RedisNodeClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, Text);
    }

    public static async Task<RedisNodeClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(CommandTimeout);
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return new RedisNodeClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>One command on a connection of its own.</summary>
    public static async Task<object?> RunAsync(int port, params string[] args)
    {
        using var client = await ConnectAsync(port);
        return await client.CommandAsync(args);
    }

    public async Task<object?> CommandAsync(params string[] args)
    {
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Text.GetByteCount(arg)}\r\n{arg}\r\n");
        }

        using var timeout = new CancellationTokenSource(CommandTimeout);
        await _stream.WriteAsync(Text.GetBytes(request.ToString()), timeout.Token);
        return await ReadAsync(timeout.Token);
    }

    private async Task<object?> ReadAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new IOException("the node closed the connection");
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new RedisNodeException(rest);
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(rest, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var bulk = new char[length + 2];
                await _reader.ReadBlockAsync(bulk, cancellationToken);
                return new string(bulk, 0, length);
            case '*':
                var count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(cancellationToken);
                }

                return items;
            default:
                throw new IOException($"not a RESP2 reply: {line}");
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _client.Dispose();
    }
}

/// <summary>An error reply from a node (MOVED, ASK, CLUSTERDOWN, ...).</summary>
public sealed class RedisNodeException(string message) : Exception(message);
