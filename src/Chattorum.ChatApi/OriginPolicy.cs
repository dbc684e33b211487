using Microsoft.Extensions.Options;

namespace Chattorum.ChatApi;

/// <summary>
/// Guards the upgrade against cross-site WebSocket hijacking: a browser always sends <c>Origin</c>, and
/// only the server's own origin and the configured ones may connect. Clients that are not browsers send none.
/// </summary>
public sealed class OriginPolicy(IOptions<ChatOptions> options)
{
    /// <param name="origin">The request's <c>Origin</c> header, if any.</param>
    /// <param name="host">The request's <c>Host</c> header: the server's own authority as the client sees it.</param>
    public bool IsAllowed(string? origin, string host)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase) &&
            (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return true;
        }

        return IsConfigured(origin);
    }

    /// <summary>True when <paramref name="origin"/> is one of <c>Chat:AllowedOrigins</c> (the same rule for <c>/ws</c> and for CORS on the API).</summary>
    public bool IsConfigured(string origin)
    {
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
