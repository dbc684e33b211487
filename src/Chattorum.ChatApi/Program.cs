using Chattorum.ChatApi;

var app = ChatApplication.Build(args);
app.Run();
