using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Chattorum.ChatApi;

/// <summary>
/// Guards the upgrade against cross-site WebSocket hijacking: a browser always sends <c>Origin</c>, and
/// only the server's own origin and the configured ones may connect. Clients that are not browsers send none.
/// </summary>
public sealed class OriginPolicy(IOptions<ChatOptions> options)
{
    public bool IsAllowed(HttpRequest request)
    {
        var origin = request.Headers[HeaderNames.Origin].ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var own = request.Host;
        if (string.Equals(uri.Authority, own.Value, StringComparison.OrdinalIgnoreCase) &&
            (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return true;
        }

        foreach (var allowed in options.Value.AllowedOrigins)
        {
            if (string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
