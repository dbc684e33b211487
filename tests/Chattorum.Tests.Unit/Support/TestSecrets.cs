using System.Security.Cryptography;

namespace Chattorum.Tests.Support;

public static class TestSecrets
{
    /// <summary>The signing key every node of a test run shares, made for the run.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public const string Password = "correct horse battery";
}
