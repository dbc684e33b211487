namespace Chattorum.StockBot.Quotes;

/// <summary>Answers the argument of a <c>/stock=SYMBOL</c> chat command with the text the bot posts.</summary>
public interface IStockQuotes
{
    /// <summary>
    /// The reply for <paramref name="argument"/>: a quote, or one of the texts of <see cref="QuoteReplies"/>.
    /// Never throws for bad input or provider trouble; only an <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<string> AnswerAsync(string? argument, CancellationToken cancellationToken);
}
