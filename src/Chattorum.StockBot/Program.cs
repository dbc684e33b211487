using Chattorum.StockBot;

var app = StockBotApplication.Build(args);
app.Run();
