using Chattorum.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Containers when a container runtime answers (and in publish mode); the Debian binaries as local processes otherwise.
var cache = builder.AddCache("cache");
var messaging = builder.AddMessaging("messaging");

builder.AddProject<Projects.Chattorum_ChatApi>("chatapi")
    .WithReplicas(1)
    .WithExternalHttpEndpoints()
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Chattorum_StockBot>("stockbot")
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
