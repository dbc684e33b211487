using System.Net;
using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.Tests.Unit.Accounts;

public class LoginAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("fe80::1%2", "fe80::/64")]
    [InlineData("::1", "::/64")]
    [InlineData(null, "unknown")]
    public void Clients_are_counted_per_IPv4_address_and_per_IPv6_slash_64(string? address, string counted) =>
        Assert.Equal(counted, LoginRateLimiter.AddressOf(address is null ? null : IPAddress.Parse(address)));

    [Theory]
    [InlineData("alice", "2001:db8:1:2::/64", "chattorum:login:pair:alice:2001:db8:1:2::/64")]
    [InlineData("ALICE", "203.0.113.7", "chattorum:login:pair:alice:203.0.113.7")]
    public void A_name_and_an_address_make_one_key_in_any_letter_case(string user, string address, string key) =>
        Assert.Equal(key, RedisKeys.LoginFailures(user, address).ToString());
}
