using System.Diagnostics;

namespace Chattorum.Messaging;

/// <summary>
/// The span a publish or a delivery is recorded on: RabbitMQ.Client's own when its tracing is on (then it is not
/// ours to end), or one of ours when it is off. Disposing ends only a span we started.
/// </summary>
public readonly struct MessagingSpan(Activity? activity, bool owned) : IDisposable
{
    public Activity? Activity => activity;

    /// <summary>Fails the span, with <c>error.type</c> as the messaging conventions ask of a failed operation.</summary>
    public void Fail(string errorType, string description)
    {
        activity?.SetTag("error.type", errorType);
        activity?.SetStatus(ActivityStatusCode.Error, description);
    }

    public void Dispose()
    {
        if (owned)
        {
            activity?.Dispose();
        }
    }
}
