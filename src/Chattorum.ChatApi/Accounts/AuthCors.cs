using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Chattorum.ChatApi.Accounts;

/// <summary>
/// Cross-origin access to <c>/api/auth/*</c>: a page on one of <c>Chat:AllowedOrigins</c> (the origins that may open
/// <c>/ws</c>, see <see cref="OriginPolicy"/>) may also sign up and sign in, so that it can get the token it connects
/// with; the rule is <see cref="OriginPolicy.IsConfigured"/>'s, so the two never disagree. Only <c>POST</c> with a JSON body; no cookies or credentials (the token is in the response's body), so no
/// <c>Access-Control-Allow-Credentials</c>. Any other origin gets no CORS headers, and the browser keeps the answer
/// from its page.
/// </summary>
public static class AuthCors
{
    /// <summary>How long a browser may keep a preflight's answer before asking again.</summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    public static void Configure(CorsPolicyBuilder policy, OriginPolicy origins) =>
        policy.SetIsOriginAllowed(origins.IsConfigured)
            .WithMethods(HttpMethods.Post)
            .WithHeaders("Content-Type")
            .SetPreflightMaxAge(PreflightMaxAge);
}
