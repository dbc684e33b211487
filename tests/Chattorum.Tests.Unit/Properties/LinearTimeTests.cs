using System.Buffers;
using System.Diagnostics;
using System.Text;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Protocol;
using Chattorum.ChatApi.Upgrade;
using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.Properties;

/// <summary>Timing ratios need the machine to themselves: these run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(LinearTimeTests), DisableParallelization = true)]
public sealed class LinearTimeCollection;

/// <summary>
/// No input makes a parser take more than linear time. Each case parses an input of size n k times and one of size 16n
/// k/16 times: the same number of bytes, so a linear parser takes about as long for both, and a
/// quadratic one sixteen times as long for the large input. The shapes are the ones that make naive parsers
/// quadratic: long runs of escapes, separators, properties, rows and header lines.
/// </summary>
[Collection(nameof(LinearTimeTests))]
public sealed class LinearTimeTests
{
    private const int Growth = 16;

    // Small enough that the large input (16 to 128 KB) stays near the cache: beyond it memory, not the parser, sets the pace.
    private const int Size = 128;

    // Linear measures about 1 (up to 4 once the large input no longer fits the fastest cache); quadratic about 16.
    private const double MaxRatio = 6;

    // Each timed trial runs long enough that the clock and one garbage collection are small beside it.
    private static readonly TimeSpan MinTrial = TimeSpan.FromMilliseconds(3);

    /// <summary>
    /// The fastest of nine trials. A measured trial starts after a full collection, so that no garbage left by another
    /// lands in it; the trials that only find how many runs make a long enough trial skip it (a blocking collection
    /// of the test process's heap takes longer than such a trial, and there are many of them).
    /// </summary>
    private static TimeSpan Fastest(Action runs, bool collect = true)
    {
        runs();
        var best = TimeSpan.MaxValue;
        for (var trial = 0; trial < 9; trial++)
        {
            if (collect)
            {
                GC.Collect();
            }

            var clock = Stopwatch.StartNew();
            runs();
            best = clock.Elapsed < best ? clock.Elapsed : best;
        }

        return best;
    }

    private static void Run<T>(Action<T> parse, T input, int times)
    {
        for (var i = 0; i < times; i++)
        {
            parse(input);
        }
    }

    private static void AssertLinear<T>(Func<int, T> input, Action<T> parse, int n)
    {
        var small = input(n);
        var large = input(n * Growth);
        var runs = Growth;
        while (runs < 1 << 20 && Fastest(() => Run(parse, small, runs), collect: false) < MinTrial)
        {
            runs *= 2;
        }

        var smallTime = Fastest(() => Run(parse, small, runs));
        var largeTime = Fastest(() => Run(parse, large, runs / Growth));
        var ratio = largeTime / smallTime;
        Assert.True(ratio < MaxRatio, $"{Growth}x the input took {ratio:0.0}x the time per byte ({smallTime.TotalMilliseconds:0.00} ms vs {largeTime.TotalMilliseconds:0.00} ms)");
    }

    private static string Repeat(string unit, int count) => new StringBuilder(unit.Length * count).Insert(0, unit, count).ToString();

    public static TheoryData<string> FrameShapes() => ["escapes", "properties", "array", "whitespace", "backslashes", "emoji", "bad utf8"];

    [Theory]
    [MemberData(nameof(FrameShapes))]
    public void The_frame_parser_is_linear(string shape)
    {
        Func<int, byte[]> input = shape switch
        {
            "escapes" => n => Encoding.UTF8.GetBytes($$"""{"type":"send","room":"r","text":"{{Repeat("\\u00e9", n)}}"}"""),
            "properties" => n => Encoding.UTF8.GetBytes($$"""{"type":"ping",{{string.Join(',', Enumerable.Range(0, n).Select(i => $"\"p{i}\":1"))}}}"""),
            "array" => n => Encoding.UTF8.GetBytes($$"""{"type":"ping","x":[{{Repeat("[1],", n)}}0]}"""),
            "whitespace" => n => Encoding.UTF8.GetBytes($$"""{"type":"ping"{{new string(' ', n * 8)}}}"""),
            "backslashes" => n => Encoding.UTF8.GetBytes($$"""{"type":"send","room":"r","text":"{{Repeat("\\\\", n)}}"}"""),
            "emoji" => n => Encoding.UTF8.GetBytes($$"""{"type":"send","room":"r","text":"{{Repeat("\U0001F600", n)}}"}"""),
            _ => n => [.. """{"type":"send","room":"r","text":" """u8, .. Enumerable.Repeat((byte)0xC3, n * 4), .. "\"}"u8],
        };
        AssertLinear(input, bytes => ClientFrameParser.TryParse(bytes, out _, out _), Size);
    }

    [Theory]
    [InlineData("long name")]
    [InlineData("long argument")]
    [InlineData("equals")]
    [InlineData("slashes")]
    public void The_command_parser_is_linear(string shape)
    {
        Func<int, string> input = shape switch
        {
            "long name" => n => "/" + new string('a', n * 8) + "=x",
            "long argument" => n => "/stock=" + new string('A', n * 8),
            "equals" => n => "/stock" + new string('=', n * 8),
            _ => n => new string('/', n * 8),
        };
        AssertLinear(input, line => CommandLine.TryParse(line, out _, out _), Size);
    }

    [Theory]
    [InlineData("emoji")]
    [InlineData("combining")]
    [InlineData("lines")]
    public void Text_validation_is_linear(string shape)
    {
        Func<int, string> input = shape switch
        {
            "emoji" => n => Repeat("\U0001F600", n),
            "combining" => n => "e" + Repeat("\u0301", n),
            _ => n => Repeat("a\n", n),
        };
        AssertLinear(input, text => Validation.TryValidateText(text, out _), Size);
    }

    [Theory]
    [InlineData("rows")]
    [InlineData("commas")]
    [InlineData("long field")]
    [InlineData("quotes")]
    public void The_stooq_csv_parser_is_linear(string shape)
    {
        const string header = "Symbol,Date,Time,Open,High,Low,Close,Volume\r\n";
        Func<int, string> input = shape switch
        {
            "rows" => n => header + Repeat("AAPL.US,2026-11-27,22:00:00,93.1,94.2,92.8,93.42,1000\r\n", n / 4),
            "commas" => n => header + "AAPL.US" + new string(',', n * 8),
            "long field" => n => header + "AAPL.US,2026-11-27,22:00:00,93.1,94.2,92.8," + new string('9', n * 8) + ",1000",
            _ => n => header + new string('"', n * 8),
        };
        AssertLinear(input, body => StooqCsv.Parse(body, "AAPL.US"), Size);
    }

    [Theory]
    [InlineData("properties")]
    [InlineData("long price")]
    [InlineData("escapes")]
    public void The_alpha_vantage_json_parser_is_linear(string shape)
    {
        Func<int, string> input = shape switch
        {
            "properties" => n => $$$"""{"Global Quote":{{{{string.Join(',', Enumerable.Range(0, n).Select(i => $"\"k{i}\":\"v\""))}}},"05. price":"93.42"}}""",
            "long price" => n => $$$"""{"Global Quote":{"01. symbol":"AAPL","05. price":"9{{{new string('0', n * 8)}}}"}}""",
            _ => n => $$"""{"Note":"{{Repeat("\\u0041", n)}}"}""",
        };
        AssertLinear(input, body => AlphaVantageJson.Parse(body, "AAPL"), Size);
    }

    [Theory]
    [InlineData("long message")]
    [InlineData("long header")]
    public void The_channel_event_parser_is_linear(string shape)
    {
        Func<int, byte[]> input = shape switch
        {
            "long message" => n => Encoding.UTF8.GetBytes("m 1732712345678-0 1732712345677-0 -\n" + $$"""{"type":"message","room":"r","user":"u","text":"{{new string('x', n * 8)}}"}"""),
            _ => n => Encoding.UTF8.GetBytes("m " + new string('1', n * 8) + "-0\n{}"),
        };
        AssertLinear(input, payload => RoomEvent.TryParse(payload, out _), Size);
    }

    [Theory]
    [InlineData("header lines")]
    [InlineData("repeated fields")]
    [InlineData("long header")]
    [InlineData("no end")]
    [InlineData("bare CRs")]
    [InlineData("bare LF at the end")]
    public void The_upgrade_head_parser_is_linear(string shape)
    {
        Func<int, ReadOnlySequence<byte>> input = shape switch
        {
            "header lines" => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\n" + Repeat("X-A: b\r\n", n) + "\r\n")),
            "repeated fields" => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\nHost: h\r\n" + Repeat("Authorization: x\r\n", n) + "\r\n")),
            "long header" => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\nCookie: " + new string('c', n * 8) + "\r\n\r\n")),
            "bare LF at the end" => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\n" + Repeat("X-A: b\r\n", n) + "\n")),
            "bare CRs" => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\n" + Repeat("\r", n * 8))),
            _ => n => new(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\n" + Repeat("X-A: b\r\n", n))),
        };
        AssertLinear(input, head => UpgradeHead.TryRead(head, out _, out _), Size);
    }

    [Fact]
    public void The_stream_id_parser_is_linear() =>
        AssertLinear(n => new string('1', n * 8) + "-" + new string('2', n * 8), text => StreamId.TryParse(text, out _), Size);

    [Fact]
    public void The_check_itself_catches_a_quadratic_parser()
    {
        // For each character, a scan of everything before it: the shape of a parser that rescans its buffer.
        static void Quadratic(string text)
        {
            var repeats = 0;
            for (var i = 0; i < text.Length; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    repeats += text[j] == text[i] ? 1 : 0;
                }
            }

            GC.KeepAlive(repeats);
        }

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertLinear(n => new string('a', n * 8), Quadratic, Size));
    }
}
