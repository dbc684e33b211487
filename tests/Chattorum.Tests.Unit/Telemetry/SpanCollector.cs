using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Chattorum.Tests.Unit.Telemetry;

/// <summary>A real OpenTelemetry tracer over the given sources; keeps the spans it would export.</summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly Collect _collect = new();

    public SpanCollector(BaseProcessor<Activity>? first, params string[] sources)
    {
        var builder = Sdk.CreateTracerProviderBuilder().AddSource(sources).SetSampler(new AlwaysOnSampler());
        if (first is not null)
        {
            builder.AddProcessor(first);
        }

        _tracing = builder.AddProcessor(_collect).Build();
    }

    public IReadOnlyList<Activity> Exported
    {
        get
        {
            lock (_collect.Spans)
            {
                return [.. _collect.Spans];
            }
        }
    }

    public void Dispose() => _tracing.Dispose();

    private sealed class Collect : BaseProcessor<Activity>
    {
        public List<Activity> Spans { get; } = [];

        public override void OnEnd(Activity data)
        {
            // What an exporting processor does: only recorded spans are exported.
            if (data.Recorded)
            {
                lock (Spans)
                {
                    Spans.Add(data);
                }
            }
        }
    }
}
