var builder = DistributedApplication.CreateBuilder(args);
builder.AddProject<Projects.Chattorum_ChatApi>("chatapi");
builder.AddProject<Projects.Chattorum_StockBot>("stockbot");
builder.Build().Run();
