namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The quote service's log events. They name providers and normalised symbols, never a URL or an API key.
/// </summary>
internal static partial class QuotesLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Rejected a /stock argument of {Length} characters: not a symbol")]
    public static partial void BadSymbol(ILogger logger, int length);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Quote provider {Provider} quoted {Symbol} at {Price}")]
    public static partial void Quoted(ILogger logger, string provider, string symbol, decimal price);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Quote provider {Provider} does not know {Symbol}")]
    public static partial void UnknownSymbol(ILogger logger, string provider, string symbol);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Quote provider {Provider} failed for {Symbol}: {Reason}")]
    public static partial void ProviderFailed(ILogger logger, string provider, string symbol, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "Quote provider {Provider} skipped for {Symbol}: {Reason}")]
    public static partial void ProviderSkipped(ILogger logger, string provider, string symbol, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Quote provider {Provider} skipped for {Symbol}: its circuit is open")]
    public static partial void CircuitOpenSkipped(ILogger logger, string provider, string symbol);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "No quote for {Symbol}: {Open} of {Eligible} eligible providers had their circuit open, the others failed")]
    public static partial void NoQuote(ILogger logger, string symbol, int open, int eligible);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Quote provider {Provider} rate-limited us for {Symbol}; not asked again before {Until}")]
    public static partial void RateLimited(ILogger logger, string provider, string symbol, DateTimeOffset until);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "Quote provider {Provider} skipped for {Symbol}: rate-limited until {Until}")]
    public static partial void RateLimitedSkipped(ILogger logger, string provider, string symbol, DateTimeOffset until);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Quote provider {Provider}: retry {Retry} in {Delay} after {Reason}")]
    public static partial void Retrying(ILogger logger, string provider, int retry, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Quote provider {Provider}: attempt timed out after {Timeout}")]
    public static partial void AttemptTimedOut(ILogger logger, string provider, TimeSpan timeout);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Error, Message = "Quote provider {Provider}: circuit opened for {BreakDuration} after {Reason}")]
    public static partial void CircuitOpened(ILogger logger, string provider, TimeSpan breakDuration, string reason);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Quote provider {Provider}: circuit half-open, trying one request")]
    public static partial void CircuitHalfOpened(ILogger logger, string provider);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Information, Message = "Quote provider {Provider}: circuit closed")]
    public static partial void CircuitClosed(ILogger logger, string provider);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Warning, Message = "No answer within the deadline of {Deadline}: every provider together took too long")]
    public static partial void DeadlineExceeded(ILogger logger, TimeSpan deadline);

    /// <summary>An exception for the log: its type (and HTTP error kind), not its message, which may carry an address.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: var error } => $"{nameof(HttpRequestException)} ({error})",
        _ => exception.GetType().Name,
    };
}
