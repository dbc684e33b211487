using Chattorum.StockBot;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults();
builder.AddStockBot();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
