using System.Text;

namespace Chattorum.Tests.Support;

/// <summary>
/// Redis Cluster's key-to-slot mapping, computed here so tests need no Redis: CRC16 (XMODEM) of the key's hash tag
/// (the text between the first <c>{</c> and the next <c>}</c>, when not empty) or of the whole key, mod 16384.
/// </summary>
public static class HashSlots
{
    public const int Count = 16_384;

    public static int Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                bytes = bytes[(open + 1)..close];
            }
        }

        return Crc16(bytes) % Count;
    }

    private static int Crc16(ReadOnlySpan<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            crc &= 0xFFFF;
        }

        return crc;
    }
}
