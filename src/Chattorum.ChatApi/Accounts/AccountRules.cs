using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Accounts;

/// <summary>What a user name and a password must be.</summary>
public static class AccountRules
{
    public const int MinPasswordLength = 8;

    /// <summary>Hashing is deliberately slow; an unbounded password would make it a lever for denial of service.</summary>
    public const int MaxPasswordLength = 128;

    /// <summary>Names of the system and of bots, which nobody may register: any name ending in "bot", and these.</summary>
    private static readonly string[] ReservedNames = ["system", "admin", "chattorum", "server"];

    public static string? CheckUserName(string? name)
    {
        if (!Validation.IsValidUserName(name))
        {
            return "user names are 3 to 24 of A-Z, a-z, 0-9 and '_'";
        }

        if (IsReserved(name!))
        {
            return "this name is reserved";
        }

        return null;
    }

    public static bool IsReserved(string name) =>
        name.EndsWith("bot", StringComparison.OrdinalIgnoreCase) ||
        ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase);

    public static string? CheckPassword(string? password)
    {
        if (password is null || password.Length < MinPasswordLength)
        {
            return $"passwords are at least {MinPasswordLength} characters";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"passwords are at most {MaxPasswordLength} characters";
        }

        if (string.IsNullOrWhiteSpace(password))
        {
            return "a password must not be only white space";
        }

        return null;
    }
}
