using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Microsoft.AspNetCore.Identity;
using Chattorum.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chattorum.ChatApi;

public static class Extensions
{
    /// <summary>The Redis connection name the AppHost gives the cache.</summary>
    public const string RedisConnectionName = "cache";

    /// <summary>How often a node tries to get back to Redis after losing it.</summary>
    private const int ReconnectIntervalMilliseconds = 500;

    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(RedisConnectionName, configureOptions: options =>
        {
            // Keep running and reconnecting while Redis is away, and fail sends at once rather than queue them.
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ReconnectRetryPolicy = new LinearRetry(ReconnectIntervalMilliseconds);
        });

        var services = builder.Services;
        services.AddCors();
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            // The same document wherever a node runs (it is committed: docs/openapi.json): no server address in it.
            document.Info.Title = "Chattorum HTTP API";
            document.Info.Description = "Accounts and tokens. The chat itself is the WebSocket at /ws: docs/protocol.md.";
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));
        services.AddOptions<ChatOptions>()
            .Bind(builder.Configuration.GetSection(ChatOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChatOptions>, ChatOptionsValidator>();

        // Resolved (and validated) once: the node's parts take this one instance and read its values, never IOptions per message.
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<ChatOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<ChatNode>();
        services.AddSingleton<ReplicationWait>();
        services.AddSingleton<SubscriptionRecovery>();
        services.AddSingleton<IRoomBackplane, RedisRoomBackplane>();
        services.AddSingleton<RedisPresence>();
        services.AddSingleton<IRoomPresence>(provider => provider.GetRequiredService<RedisPresence>());
        services.AddHostedService<NodeLiveness>();
        services.AddSingleton<QuietRoomChecks>();
        services.AddSingleton<RoomHubs>();
        services.AddSingleton<ChatConnections>();
        services.AddSingleton<SendBacklog>();
        services.AddSingleton<StalledWriterSweep>();
        services.AddHostedService(provider => provider.GetRequiredService<StalledWriterSweep>());
        services.AddSingleton<ChatServices>();
        services.AddSingleton<FixedWindowLimiter>();
        builder.AddBrokerConnection(whenDown: HealthStatus.Degraded, CommandTopology.DeclareChatNodeAsync);
        services.AddSingleton<CommandPublisher>();
        services.AddSingleton<CommandGateway>();
        services.AddHostedService<ReplyConsumer>();
        services.AddSingleton<OriginPolicy>();
        services.AddSingleton<Upgrade.ConnectionLimit>();
        services.AddSingleton<ChatEndpoint>();
        builder.AddAccounts();
        builder.AddTelemetrySources(ChatMetrics.MeterName);
        builder.AddTracingSources(MessagingTelemetry.LibrarySources);
        MessagingTelemetry.UseConventions();
        return builder;
    }

    private static void AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(options => TryKey(options), $"Auth:SigningKey must be a secret of at least {AuthOptions.MinSigningKeyBytes} bytes")
            .Validate(
                options => options.LoginFailuresPerUserAndAddress > 0 && options.LoginFailuresPerUser > 0 && options.LoginFailuresPerAddress > 0 && options.LoginWindow > TimeSpan.Zero,
                "Auth:LoginFailuresPerUserAndAddress, Auth:LoginFailuresPerUser and Auth:LoginFailuresPerAddress must be above 0, and Auth:LoginWindow longer than 0")
            .ValidateOnStart();
        services.AddSingleton<IPasswordHasher<ChatUser>, PasswordHasher<ChatUser>>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<LoginRateLimiter>();

    }

    private static bool TryKey(AuthOptions options)
    {
        try
        {
            TokenService.SigningKey(options);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static WebApplication MapChat(this WebApplication app)
    {
        // The WebSocket endpoint first, outside routing and the authentication middleware: it checks its token
        // itself and keeps only the user's name, so a connection that stays open for hours holds no request state
        // it does not need (see docs/architecture.md).
        app.UseWebSockets();
        var endpoint = app.Services.GetRequiredService<ChatEndpoint>();
        app.Map(ChatEndpoint.Path, chat => chat.Run(endpoint.HandleAsync));

        // The web page (wwwroot: index.html, app.js, style.css) at "/".
        app.UseDefaultFiles();
        app.UseStaticFiles();

        // CORS for the sign-up and sign-in API, for pages on Chat:AllowedOrigins (AuthCors).
        app.UseCors();
        app.MapAuth();

        // The HTTP API's contract (docs/openapi.json, kept in sync by a test), served in development only.
        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi();
        }

        var connections = app.Services.GetRequiredService<ChatConnections>();
        app.Lifetime.ApplicationStopping.Register(() => connections.CloseAll("server shutting down"));
        return app;
    }
}
