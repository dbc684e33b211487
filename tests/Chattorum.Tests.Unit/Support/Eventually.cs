namespace Chattorum.Tests.Support;

/// <summary>
/// For state that changes without an event to await (a count in Redis, say): checks again until it holds,
/// within a deadline. Never a fixed sleep.
/// </summary>
public static class Eventually
{
    public static async Task EqualAsync<T>(T expected, Func<Task<T>> actual, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        T last;
        while (!EqualityComparer<T>.Default.Equals(last = await actual(), expected))
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {expected}, still {last}");
            await Task.Delay(25);
        }
    }
}
