using System.Diagnostics;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;

namespace Chattorum.ChatApi.Diagnostics;

/// <summary>
/// What a leak hunt reads from a running node: its open connections and live room hubs, and the runtime's
/// timers, threads, work items, handles and heap. A node that has served hours of traffic and is idle again
/// should be back where it started on every line.
/// </summary>
public sealed record RuntimeStats(
    int Connections,
    int Rooms,
    long QueuedFrames,
    long Timers,
    int Threads,
    int ThreadPoolThreads,
    long PendingWorkItems,
    int Handles,
    long HeapBytes,
    long WorkingSetBytes)
{
    public const string Path = "/diagnostics/runtime";

    /// <summary>Takes the figures; with <paramref name="collect"/> after a full, compacting collection, so that the heap is what is live.</summary>
    public static RuntimeStats Take(ChatConnections connections, RoomHubs hubs, bool collect)
    {
        if (collect)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        using var process = Process.GetCurrentProcess();
        return new RuntimeStats(
            connections.Count,
            hubs.Count,
            connections.QueuedFrames(),
            Timer.ActiveCount,
            process.Threads.Count,
            ThreadPool.ThreadCount,
            ThreadPool.PendingWorkItemCount,
            process.HandleCount,
            GC.GetTotalMemory(forceFullCollection: false),
            process.WorkingSet64);
    }
}
