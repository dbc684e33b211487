using Chattorum.ChatApi.Accounts;

namespace Chattorum.Tests.Unit.Accounts;

public class AccountRulesTests
{
    [Theory]
    [InlineData("alice", true)]
    [InlineData("Bob_99", true)]
    [InlineData("abc", true)]
    [InlineData("ab", false)]
    [InlineData("has space", false)]
    [InlineData("émile", false)]
    [InlineData("StockBot", false)]
    [InlineData("stockbot", false)]
    [InlineData("weather_bot", false)]
    [InlineData("BOT", false)]
    [InlineData("system", false)]
    [InlineData("Admin", false)]
    [InlineData("chattorum", false)]
    [InlineData("bottle", true)]
    [InlineData("abbott", true)]
    [InlineData(null, false)]
    public void User_names(string? name, bool valid) => Assert.Equal(valid, AccountRules.CheckUserName(name) is null);

    [Theory]
    [InlineData("12345678", true)]
    [InlineData("correct horse battery staple", true)]
    [InlineData("1234567", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("        ", false)]
    [InlineData("pässwörd", true)]
    public void Passwords(string? password, bool valid) => Assert.Equal(valid, AccountRules.CheckPassword(password) is null);

    [Theory]
    [InlineData(AccountRules.MaxPasswordLength, true)]
    [InlineData(AccountRules.MaxPasswordLength + 1, false)]
    public void Passwords_have_a_length_limit(int length, bool valid) =>
        Assert.Equal(valid, AccountRules.CheckPassword(new string('p', length)) is null);
}
