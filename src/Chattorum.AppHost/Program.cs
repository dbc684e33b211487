using Chattorum.AppHost;
using Chattorum.Messaging;

var builder = DistributedApplication.CreateBuilder(args);

// Containers when a container runtime answers (and in publish mode); the Debian binaries as local processes otherwise.
var cache = builder.AddCache("cache");
var messaging = builder.AddMessaging("messaging");

// Every chat node signs and checks tokens with this key: generated once, kept in the AppHost's user secrets.
var signingKey = builder.AddParameter("jwt-signing-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

builder.AddProject<Projects.Chattorum_ChatApi>("chatapi")
    .WithReplicas(3)
    .WithDeployment("chat", new ResourceSizing(CpuRequest: "250m", MemoryRequest: "256Mi", CpuLimit: "1", MemoryLimit: "512Mi"))
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithExternalHttpEndpoints()
    .WithReference(cache).WaitFor(cache)
    .WithBrokerUser(messaging, BrokerAccess.ChatUser, BrokerAccess.ChatNodes)
    .WithHttpHealthCheck(HealthProbes.Default.ReadyPath);

// The bot needs only the broker, as its own user (docs/bots.md, "Identity"). Quote provider keys are optional secrets, given to the AppHost with
// `dotnet user-secrets set Parameters:stooq-api-key <key>` (and alphavantage-api-key).
builder.AddProject<Projects.Chattorum_StockBot>("stockbot")
    .WithBrokerUser(messaging, BrokerAccess.BotUser("stock"), BrokerAccess.Bot("stock"))
    .WithOptionalSecret("stooq-api-key", "Quotes__Stooq__ApiKey")
    .WithOptionalSecret("alphavantage-api-key", "Quotes__AlphaVantage__ApiKey")
    .WithHttpHealthCheck(HealthProbes.Default.ReadyPath)
    .WithReplicas(2)
    .WithDeployment("bot", new ResourceSizing(CpuRequest: "50m", MemoryRequest: "128Mi", CpuLimit: "500m", MemoryLimit: "256Mi"));

builder.Build().Run();
