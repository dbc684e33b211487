using System.Buffers;
using System.Text;
using System.Text.Json;
using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Protocol;
using Chattorum.ChatApi.Upgrade;
using Chattorum.StockBot.Quotes;
using Chattorum.Tests.Support;
using CsCheck;
using Microsoft.Extensions.Options;

namespace Chattorum.Tests.Unit.Properties;

/// <summary>
/// Every parser that reads what a client, Redis or a quote provider sends, against generated input: it answers
/// with its own outcome (a result or its validation error) and never throws.
/// </summary>
public sealed class ParserPropertyTests
{
    private const long Iterations = 2_000;

    private static readonly HashSet<string> ErrorCodeValues = [.. typeof(ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!)];

    // Bytes shaped like the inputs: JSON punctuation, quotes, escapes, digits, the protocol's words, invalid UTF-8.
    private static readonly Gen<string> Word = Gen.OneOf<string>(
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "00", "7", "-1", "1e999", "null", "true", " ", "\n", "\r\n",
        "type", "join", "send", "leave", "ping", "room", "text", "cid", "since", "lobby", "/", "//", "=", "stock", "AAPL",
        "é", "\U0001F600", "\u0000", "\t", "1732712345678-0", "Symbol,Date", "N/D", "<html>", "Global Quote", "05. price");

    private static readonly Gen<string> Noise = Gen.Frequency(
        (3, Word.Array[0, 40].Select(words => string.Concat(words))),
        (1, Gen.String[0, 200]));

    private static readonly Gen<byte[]> NoiseBytes = Gen.Frequency(
        (3, Noise.Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Byte.Array[0, 300]));

    [Fact]
    public void A_client_frame_parses_or_gets_one_of_the_documented_error_codes() =>
        NoiseBytes.Sample(bytes =>
        {
            if (!ClientFrameParser.TryParse(bytes, out _, out var error))
            {
                Assert.Contains(error.Code, ErrorCodeValues);
            }
        }, iter: Iterations);

    [Fact]
    public void A_well_formed_send_round_trips_through_the_parser()
    {
        var room = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_-"].Array[1, 32].Select(c => new string(c)).Where(Validation.IsValidRoomName);
        var text = Gen.Char.Array[1, 200].Select(c => new string(c)).Where(t => Validation.TryValidateText(t, out _));
        Gen.Select(room, text, Gen.Int[0, 9999]).Sample((r, t, cid) =>
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new { type = "send", room = r, text = t, cid = cid.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.True(ClientFrameParser.TryParse(json, out var frame, out var error), error.Message);
            Assert.Equal<(ClientFrameType, string?, string?)>((ClientFrameType.Send, r, t), (frame.Type, frame.Room, frame.Text));
        }, iter: Iterations);
    }

    [Fact]
    public void A_chat_line_is_a_command_with_a_name_or_a_problem_never_both() =>
        Noise.Select(s => "/" + s).Sample(line =>
        {
            var parsed = CommandLine.TryParse(line, out var command, out var problem);
            Assert.Equal(parsed, command is not null);
            Assert.Equal(!parsed, problem is not null);
        }, iter: Iterations);

    [Fact]
    public void A_provider_body_is_a_quote_an_unknown_symbol_or_a_failure() =>
        Noise.Sample(body =>
        {
            foreach (var result in new[] { StooqCsv.Parse(body, "AAPL.US"), AlphaVantageJson.Parse(body, "AAPL") })
            {
                Assert.True(result.Status != QuoteStatus.Found || result.Price > 0, $"a quote of {result.Price}");
            }
        }, iter: Iterations);

    [Fact]
    public void A_symbol_normalizes_to_itself_a_second_time() =>
        Noise.Sample(input =>
        {
            if (StockSymbol.TryNormalize(input, out var symbol))
            {
                Assert.True(StockSymbol.TryNormalize(symbol, out var again));
                Assert.Equal(symbol, again);
            }
        }, iter: Iterations);

    [Fact]
    public void A_stream_id_round_trips_and_garbage_is_refused_without_throwing()
    {
        Gen.Select(Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue]).Sample((ms, seq) =>
        {
            var text = $"{ms}-{seq}";
            Assert.True(StreamId.TryParse(text, out var id));
            Assert.Equal(text, id.ToString());
        }, iter: Iterations);
        Noise.Sample(text => { _ = StreamId.TryParse(text, out _); }, iter: Iterations);
    }

    [Fact]
    public void A_channel_payload_is_an_event_or_dropped_without_throwing() =>
        NoiseBytes.Sample(bytes => { _ = RoomEvent.TryParse(bytes, out _); }, iter: Iterations);

    [Fact]
    public void A_connection_start_is_read_as_a_head_or_not_without_throwing() =>
        Noise.Select(s => "GET /ws HTTP/1.1\r\n" + s + "\r\n\r\n").Sample(text =>
        {
            var bytes = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
            Assert.True(UpgradeHead.IsChatRequest(bytes));
            Assert.True(UpgradeHead.TryRead(bytes, out _, out _));
        }, iter: Iterations);

    [Fact]
    public async Task A_token_that_is_not_ours_names_nobody()
    {
        var tokens = new TokenService(Options.Create(new AuthOptions { SigningKey = TestSecrets.SigningKey }), TimeProvider.System);
        var valid = tokens.Issue("alice").Token;
        Assert.Equal("alice", await tokens.ValidateAsync(valid));

        // Noise, and the valid token with one character changed anywhere.
        var inputs = Noise.Array[200].Single().ToList();
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var position = random.Next(valid.Length);
            var replacement = valid[position] == 'A' ? 'B' : 'A';
            inputs.Add(string.Concat(valid.AsSpan(0, position), [replacement], valid.AsSpan(position + 1)));
        }

        foreach (var input in inputs)
        {
            Assert.Null(await tokens.ValidateAsync(input));
        }
    }
}
