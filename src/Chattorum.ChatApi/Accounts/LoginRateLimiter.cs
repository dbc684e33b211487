using System.Net;
using System.Net.Sockets;
using Chattorum.ChatApi.Backplane;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Accounts;

/// <summary>
/// Failed logins, counted in fixed windows shared by all nodes, in three allowances (docs/protocol.md, Accounts):
/// per user name and client address, the tight one, which only that address spends, so that nobody can lock a
/// user out of other addresses; per user name from all addresses together, a much looser one against a guess
/// spread over many addresses; and per address, against one address trying many names. Only failures count: each
/// attempt takes one from every allowance before the password is checked, and a right password gives them back.
/// An attempt refused for want of allowance takes nothing.
/// </summary>
public sealed class LoginRateLimiter(FixedWindowLimiter limiter, IOptions<AuthOptions> options)
{
    /// <summary>IPv6 clients are counted per /64, the block one subscriber usually holds, not per address.</summary>
    public const int Ipv6PrefixBits = 64;

    /// <summary>
    /// Takes one failure from each allowance, as if the attempt will fail, before the password is checked (so
    /// that many attempts at once cannot all pass a check made before any has failed). When any allowance is
    /// used up nothing is taken, and the answer is how long until it renews.
    /// </summary>
    public Task<TimeSpan?> TryBeginAsync(string user, string address)
    {
        var limits = options.Value;
        // The tightest first, the one shared with everybody else last: an attempt its own allowances refuse
        // never holds a unit of the name's, even for a moment.
        return limiter.TryTakeAsync(
            limits.LoginWindow,
            (RedisKeys.LoginFailures(user, address), limits.LoginFailuresPerUserAndAddress),
            (RedisKeys.LoginFailuresByAddress(address), limits.LoginFailuresPerAddress),
            (RedisKeys.LoginFailuresByUser(user), limits.LoginFailuresPerUser));
    }

    /// <summary>The password was right: gives back what <see cref="TryBeginAsync"/> took.</summary>
    public async Task SucceededAsync(string user, string address)
    {
        try
        {
            await limiter.GiveBackAsync(
                RedisKeys.LoginFailures(user, address),
                RedisKeys.LoginFailuresByUser(user),
                RedisKeys.LoginFailuresByAddress(address)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The user signs in all the same: this one success stays counted as a failure until its window ends.
        }
    }

    /// <summary>
    /// The client address as counted: IPv4 (also when it reaches a dual-stack socket as an IPv4-mapped IPv6
    /// address) as is, IPv6 as its /64 (<c>2001:db8:1:2::/64</c>), since one client usually holds a whole /64.
    /// </summary>
    public static string AddressOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[(Ipv6PrefixBits / 8)..].Clear();
        return $"{new IPAddress(bytes)}/{Ipv6PrefixBits}";
    }
}
