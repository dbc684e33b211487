using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Accounts;

public sealed record ChatUser(string Name, string PasswordHash);

public enum RegistrationResult
{
    Created,
    NameTaken,
}

/// <summary>
/// Users in Redis, one key per name folded to lower case, created with <c>SET NX</c>: of two nodes racing to
/// register one name exactly one wins. Passwords are kept only as ASP.NET Core Identity's salted PBKDF2 hash.
/// </summary>
public sealed class AccountStore(IConnectionMultiplexer redis, IPasswordHasher<ChatUser> hasher) : IDisposable
{
    // A hash takes tens of milliseconds of CPU on purpose. At most one per core runs at a time; the rest wait
    // without holding a thread, so a burst of sign-ups cannot starve the node's thread pool.
    private readonly SemaphoreSlim _hashing = new(Environment.ProcessorCount);

    // Verified against when a name is unknown, so that a miss costs as much as a wrong password.
    private readonly string _decoyHash = hasher.HashPassword(new ChatUser("decoy", ""), Guid.NewGuid().ToString());

    private static RedisKey Key(string name) => Backplane.RedisKeys.Account(name);

    public async Task<RegistrationResult> RegisterAsync(string name, string password)
    {
        var user = new ChatUser(name, "");
        user = user with { PasswordHash = await HashAsync(() => hasher.HashPassword(user, password)).ConfigureAwait(false) };
        var created = await redis.GetDatabase().StringSetAsync(Key(name), JsonSerializer.Serialize(user), when: When.NotExists).ConfigureAwait(false);
        return created ? RegistrationResult.Created : RegistrationResult.NameTaken;
    }

    /// <summary>The user with this name (any case) and password, or null.</summary>
    public async Task<ChatUser?> VerifyAsync(string name, string password)
    {
        var stored = await redis.GetDatabase().StringGetAsync(Key(name)).ConfigureAwait(false);
        var user = stored.IsNull ? null : JsonSerializer.Deserialize<ChatUser>(stored.ToString());
        var result = await HashAsync(() => hasher.VerifyHashedPassword(user ?? new ChatUser(name, ""), user?.PasswordHash ?? _decoyHash, password)).ConfigureAwait(false);
        return user is not null && result != PasswordVerificationResult.Failed ? user : null;
    }

    public void Dispose() => _hashing.Dispose();

    private async Task<T> HashAsync<T>(Func<T> work)
    {
        await _hashing.WaitAsync().ConfigureAwait(false);
        try
        {
            // Tens of milliseconds of CPU: never on the socket I/O thread, which Kestrel may run requests on.
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }
    }
}
