using System.Globalization;
using System.Text.Json;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// The figures the fault tests measure (recovery times), one JSON line each, appended to the file named by
/// <c>CHATTORUM_RELIABILITY_LOG</c> when it is set: <c>scripts/test.sh</c> prints them as a table.
/// </summary>
public static class ReliabilityLog
{
    private static readonly Lock Gate = new();

    public static string Record(string fault, string measure, TimeSpan time)
    {
        var line = $"{fault}: {measure} {time.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";
        if (Environment.GetEnvironmentVariable("CHATTORUM_RELIABILITY_LOG") is { Length: > 0 } path)
        {
            var json = JsonSerializer.Serialize(new { fault, measure, ms = Math.Round(time.TotalMilliseconds) });
            lock (Gate)
            {
                File.AppendAllLines(path, [json]);
            }
        }

        return line;
    }
}
