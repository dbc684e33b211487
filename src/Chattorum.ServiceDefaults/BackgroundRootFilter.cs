using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops client-library spans that have no parent: the Redis commands of background work (presence heartbeats, the
/// dead-node sweep, catch-up reads, health checks), which Aspire's Redis tracing would otherwise record as one root
/// trace per command, burying the chat's own traces on the dashboard. The same commands made inside a traced
/// operation (a send, a join, a command's reply) keep their spans. Counts of the background work are metrics.
/// </summary>
public sealed class BackgroundRootFilter : BaseProcessor<Activity>
{
    /// <summary>The activity source of Aspire's StackExchange.Redis tracing (OpenTelemetry's Redis instrumentation).</summary>
    public const string RedisSource = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    public override void OnStart(Activity data)
    {
        if (data.ParentSpanId == default && data.Source.Name == RedisSource)
        {
            // Not recorded means no processor or exporter of any tracer gets it (the SDK skips it when it stops).
            data.IsAllDataRequested = false;
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }
}
