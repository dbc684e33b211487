using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>A room's channel on this node, feeding the hub's loop: taken when the hub starts, renewed when it dropped events, let go when it retires.</summary>
internal sealed class RoomSubscription(string room, RoomHubContext context, IHubInbox inbox, Func<bool> retired)
{
    private IAsyncDisposable? _current;

    public async Task StartAsync() => _current = await SubscribeAsync().ConfigureAwait(false);

    public async Task RenewAsync()
    {
        var old = _current;
        try
        {
            var fresh = await SubscribeAsync().ConfigureAwait(false);
            if (retired())
            {
                // The hub retired meanwhile and already let go of its subscription.
                await fresh.DisposeAsync().ConfigureAwait(false);
                return;
            }

            _current = fresh;
            if (old is not null)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            HubLog.SubscribeFailed(context.Logger, room, exception.Message);
        }
    }

    public async Task StopAsync()
    {
        try
        {
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            HubLog.UnsubscribeFailed(context.Logger, room, exception.Message);
        }
    }

    private Task<IAsyncDisposable> SubscribeAsync() =>
        context.Backplane.SubscribeAsync(room, roomEvent => inbox.TryPost(HubCommand.Live(roomEvent)));
}
