using System.Text;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Protocol;

public class ClientFrameParserTests
{
    [Theory]
    [InlineData("""{"type":"join","room":"lobby"}""", ClientFrameType.Join, "lobby", null, null)]
    [InlineData("""{"type":"join","room":"a","cid":"1"}""", ClientFrameType.Join, "a", null, "1")]
    [InlineData("""{"room":"lobby","type":"join"}""", ClientFrameType.Join, "lobby", null, null)]
    [InlineData("""{"type":"leave","room":"x-1_y","cid":"c"}""", ClientFrameType.Leave, "x-1_y", null, "c")]
    [InlineData("""{"type":"send","room":"lobby","text":"hi","cid":"c1"}""", ClientFrameType.Send, "lobby", "hi", "c1")]
    [InlineData("""{"type":"send","room":"r","text":"a\nb\tc"}""", ClientFrameType.Send, "r", "a\nb\tc", null)]
    [InlineData("""{"type":"send","room":"r","text":"caf\u00e9 \ud83d\ude00"}""", ClientFrameType.Send, "r", "café 😀", null)]
    [InlineData("""{"type":"send","room":"r","text":"<img src=x onerror=alert(1)>"}""", ClientFrameType.Send, "r", "<img src=x onerror=alert(1)>", null)]
    [InlineData("""{"type":"ping"}""", ClientFrameType.Ping, null, null, null)]
    [InlineData("""{"type":"ping","cid":null}""", ClientFrameType.Ping, null, null, null)]
    [InlineData("""{"type":"ping","room":"ignored","text":"ignored"}""", ClientFrameType.Ping, null, null, null)]
    [InlineData("""{"type":"ping","extra":{"a":[1,2,{"b":null}]},"more":true}""", ClientFrameType.Ping, null, null, null)]
    [InlineData(""" { "type" : "join" , "room" : "lobby" } """, ClientFrameType.Join, "lobby", null, null)]
    public void Accepts_valid_frames(string json, ClientFrameType type, string? room, string? text, string? cid)
    {
        Assert.True(ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out var frame, out var error), error.Message);
        Assert.Equal(new ClientFrame(type, room, text, cid), frame);
    }

    [Theory]
    [InlineData("", ErrorCodes.BadJson)]
    [InlineData("not json", ErrorCodes.BadJson)]
    [InlineData("[]", ErrorCodes.BadJson)]
    [InlineData("\"join\"", ErrorCodes.BadJson)]
    [InlineData("42", ErrorCodes.BadJson)]
    [InlineData("{\"type\":\"join\",\"room\":\"lobby\"", ErrorCodes.BadJson)]
    [InlineData("""{"type":"join","room":"lobby"} x""", ErrorCodes.BadJson)]
    [InlineData("""{"type":"join","room":"lobby"}{}""", ErrorCodes.BadJson)]
    [InlineData("""{"type":"ping",}""", ErrorCodes.BadJson)]
    [InlineData("""{/* hi */"type":"ping"}""", ErrorCodes.BadJson)]
    [InlineData("""{'type':'ping'}""", ErrorCodes.BadJson)]
    [InlineData("""{"type":"ping","x":[[[[[[[[[[1]]]]]]]]]]}""", ErrorCodes.BadJson)]
    [InlineData("""{"type":"send","room":"r","text":"\ud800"}""", ErrorCodes.BadJson)]
    [InlineData("{}", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"ping","type":"send","room":"r","text":"x"}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"send","room":"r","room":"s","text":"x"}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"send","room":"r","text":"x","text":"y"}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"ping","cid":null,"cid":"c"}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"join","room":"r","since":"1-0","since":"2-0"}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":5}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":["join"]}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"send","room":"r","text":5}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"join","room":{"name":"r"}}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"ping","cid":7}""", ErrorCodes.BadFrame)]
    [InlineData("""{"type":"shout","room":"r"}""", ErrorCodes.UnknownType)]
    [InlineData("""{"type":"JOIN","room":"r"}""", ErrorCodes.UnknownType)]
    [InlineData("""{"type":""}""", ErrorCodes.UnknownType)]
    [InlineData("""{"type":"join"}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"leave","room":null}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"join","room":"Lobby"}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"join","room":""}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"join","room":"../etc"}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"send","room":"a b","text":"hi"}""", ErrorCodes.BadRoom)]
    [InlineData("""{"type":"send","room":"r"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":""}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":" \n\t "}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"a\u0000b"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"bell\u0007"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"\u001b[31mred"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"del\u007f"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"nel\u0085"}""", ErrorCodes.BadText)]
    [InlineData("""{"type":"send","room":"r","text":"cr\r\nlf"}""", ErrorCodes.BadText)]
    public void Refuses_invalid_frames_with_a_precise_code(string json, string code)
    {
        Assert.False(ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Refuses_bytes_that_are_not_utf8()
    {
        byte[] json = [.. """{"type":"send","room":"r","text":" """u8.ToArray(), 0xff, 0xfe, .. "\"}"u8.ToArray()];
        Assert.False(ClientFrameParser.TryParse(json, out _, out var error));
        Assert.Equal(ErrorCodes.BadJson, error.Code);
    }

    [Theory]
    [InlineData("""{"type":"join","room":"BAD","cid":"7"}""", "join", "7")]
    [InlineData("""{"type":"send","room":"r","text":"","cid":"m1"}""", "send", "m1")]
    [InlineData("""{"cid":"x","type":"leave","room":"-"}""", "leave", "x")]
    [InlineData("""{"type":"shout","cid":"s"}""", null, "s")]
    [InlineData("""{"type":"send","room":"r","text":1,"cid":"t"}""", "send", null)]
    public void Errors_name_the_frame_they_refer_to(string json, string? frame, string? cid)
    {
        Assert.False(ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(frame, error.Frame);
        Assert.Equal(cid, error.Cid);
    }

    [Theory]
    [InlineData(ChatLimits.MaxClientIdLength, true)]
    [InlineData(ChatLimits.MaxClientIdLength + 1, false)]
    public void Client_ids_have_a_length_limit(int length, bool accepted)
    {
        var json = $$"""{"type":"ping","cid":"{{new string('c', length)}}"}""";
        Assert.Equal(accepted, ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        if (!accepted)
        {
            Assert.Equal(ErrorCodes.BadFrame, error.Code);
        }
    }

    [Fact]
    public void The_longest_text_of_four_byte_characters_fits_in_a_frame()
    {
        var text = string.Concat(Enumerable.Repeat("😀", ChatLimits.MaxTextLength));
        var json = Encoding.UTF8.GetBytes($$"""{"type":"send","room":"lobby","text":"{{text}}","cid":"{{new string('c', ChatLimits.MaxClientIdLength)}}"}""");
        Assert.True(json.Length <= ChatLimits.MaxFrameBytes, $"{json.Length} bytes");
        Assert.True(ClientFrameParser.TryParse(json, out var frame, out _));
        Assert.Equal(text, frame.Text);
    }
}
