using Chattorum.Tests.Integration.Commands;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Chattorum.Tests.Integration.Browser;

/// <summary>The web page at "/", in a real Chromium, against real chat nodes, Redis, RabbitMQ and the StockBot.</summary>
[Trait("Category", "Browser")]
public sealed class WebPageTests(BrowserFixture browser, CommandsFixture system, ITestOutputHelper output)
    : IClassFixture<BrowserFixture>, IClassFixture<CommandsFixture>
{
    /// <summary>Set to 1 to write the screenshots over docs/images/page-*.png (docs/testing.md).</summary>
    public const string UpdateDocImagesVariable = "CHATTORUM_UPDATE_DOC_IMAGES";

    private async Task<ChatPage> SignedUpAsync(string prefix, ChatServer node, int width = 1280, int height = 800, bool clock = false)
    {
        var page = new ChatPage(await browser.NewPageAsync(node.BaseUri, width, height));
        await page.SignUpAsync(ChatPage.UniqueName(prefix), clock);
        return page;
    }

    [Fact]
    public async Task Two_users_on_two_nodes_see_each_other_and_a_late_joiner_sees_the_history()
    {
        var room = ChatPage.UniqueRoom("lobby");
        var alice = await SignedUpAsync("alice", system.NodeA);
        var bob = await SignedUpAsync("bob", system.NodeB);
        var aliceName = await alice.Page.Locator("#me").TextContentAsync();
        var bobName = await bob.Page.Locator("#me").TextContentAsync();

        await alice.JoinAsync(room);
        await bob.JoinAsync(room);
        await Expect(alice.Members).ToHaveTextAsync(new[] { aliceName!, bobName! }.Order(StringComparer.Ordinal).ToArray());

        await alice.SendAsync("hi bob");
        await bob.ExpectMessageAsync(aliceName!, "hi bob");
        await alice.ExpectMessageAsync(aliceName!, "hi bob");
        await Expect(alice.MessageItem("hi bob")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bown\b"));
        await Expect(bob.MessageItem("hi bob")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bown\b"));

        await bob.SendAsync("hello alice\nsecond line");
        await alice.ExpectMessageAsync(bobName!, "hello alice\nsecond line");

        var carol = await SignedUpAsync("carol", system.NodeA);
        var carolName = await carol.Page.Locator("#me").TextContentAsync();
        await carol.JoinAsync(room);
        await Expect(carol.Page.Locator("#messages li.message .text")).ToHaveTextAsync(["hi bob", "hello alice\nsecond line"]);
        await Expect(alice.Members).ToContainTextAsync([carolName!]);
        await Expect(bob.Members).ToHaveCountAsync(3);

        await carol.Page.GetByRole(AriaRole.Button, new() { Name = $"Leave {room}" }).ClickAsync();
        await Expect(bob.Members).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Unread_counts_show_on_rooms_not_in_view()
    {
        var first = ChatPage.UniqueRoom("first");
        var second = ChatPage.UniqueRoom("second");
        var dan = await SignedUpAsync("dan", system.NodeA);
        var erin = await SignedUpAsync("erin", system.NodeB);
        await dan.JoinAsync(first);
        await dan.JoinAsync(second);
        await erin.JoinAsync(first);

        await erin.SendAsync("one");
        await erin.SendAsync("two");
        var badge = dan.Page.Locator($"#room-list li[data-room='{first}'] .unread");
        await Expect(badge).ToHaveTextAsync("2");

        await dan.Page.Locator($"#room-list li[data-room='{first}'] button.open").ClickAsync();
        await Expect(badge).ToHaveCountAsync(0);
        await Expect(dan.Page.Locator("#messages li.message .text")).ToHaveTextAsync(["one", "two"]);
    }

    [Fact]
    public async Task A_bad_room_name_is_refused_by_the_page()
    {
        var page = await SignedUpAsync("frank", system.NodeA);
        await page.Page.GetByLabel("Room name").FillAsync("Not A Room!");
        await page.Page.GetByLabel("Room name").PressAsync("Enter");
        await Expect(page.Page.Locator("#join-error")).ToContainTextAsync("a room name is");
        await Expect(page.Page.Locator("#room-list li")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_server_message_shows_next_to_the_field_it_names()
    {
        var page = new ChatPage(await browser.NewPageAsync(system.NodeA.BaseUri));
        await page.Page.GotoAsync("/");
        await page.Page.Locator("#signup-username").FillAsync("x");
        await page.Page.Locator("#signup-password").FillAsync(TestSecrets.Password);
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Sign up", Exact = true }).ClickAsync();
        await Expect(page.Page.Locator("#signup-form .field-error[data-field='username']")).Not.ToBeEmptyAsync();
        await Expect(page.Page.Locator("#signup-username")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.Page.Locator("#signin-username").FillAsync("nobody_here");
        await page.Page.Locator("#signin-password").FillAsync("wrong password");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.Page.Locator("#signin-form .form-error")).ToHaveTextAsync("wrong user name or password");
    }

    [Fact]
    public async Task Stock_command_is_answered_in_the_room()
    {
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        var room = ChatPage.UniqueRoom("stocks");
        var gina = await SignedUpAsync("gina", system.NodeA);
        await gina.JoinAsync(room);

        await gina.SendAsync("/stock=AAPL");
        await gina.ExpectMessageAsync("StockBot", "AAPL.US quote is $93.42 per share");
        await Expect(gina.MessageText("/stock=AAPL")).ToHaveCountAsync(0);

        await gina.SendAsync("/nosuchcommand=1");
        await Expect(gina.NoticeTexts).ToHaveTextAsync(["No bot answers /nosuchcommand. Try /stock=AAPL, or start the line with // to send it as a message."]);
    }

    [Fact]
    public async Task A_command_waits_in_a_notice_until_its_answer_comes_and_the_answer_says_whose_request_it_is()
    {
        system.Quotes.SetPrice("MSFT.US", 412.25m);
        var room = ChatPage.UniqueRoom("asked");
        var asker = await SignedUpAsync("asker", system.NodeA, clock: true);
        var other = await SignedUpAsync("other", system.NodeB);
        await asker.JoinAsync(room);
        await other.JoinAsync(room);

        // The bot is away: the command waits in its queue, and the page says so for as long as it waits.
        await system.StopBotAsync();
        try
        {
            await asker.SendAsync("/stock=MSFT");
            await Expect(asker.NoticeTexts).ToHaveTextAsync(["Asked the bot: /stock=MSFT. The answer will appear here."]);
            await asker.Page.Clock.FastForwardAsync("01:00");
            await Expect(asker.Notices).ToHaveCountAsync(1);
            await Expect(other.Notices).ToHaveCountAsync(0);
        }
        finally
        {
            await system.StartBotAsync();
        }

        // The answer: the notice goes with it, and the answer says which request it answers, to the one who asked.
        const string Answer = "MSFT.US quote is $412.25 per share";
        await asker.ExpectMessageAsync("StockBot", Answer);
        await Expect(asker.Notices).ToHaveCountAsync(0);
        await Expect(asker.Page.Locator("#notice")).ToBeHiddenAsync();
        await Expect(asker.MessageItem(Answer).Locator(".answer-to")).ToHaveTextAsync("answer to /stock=MSFT asked by you");
        await other.ExpectMessageAsync("StockBot", Answer);
        await Expect(other.MessageItem(Answer).Locator(".answer-to")).ToHaveCountAsync(0);

        // Seen again after switching rooms, it still says so.
        await asker.JoinAsync(ChatPage.UniqueRoom("elsewhere"));
        await asker.OpenAsync(room);
        await Expect(asker.MessageItem(Answer).Locator(".answer-to")).ToHaveTextAsync("answer to /stock=MSFT asked by you");
    }

    [Fact]
    public async Task An_error_is_a_sentence_that_stays_with_its_room_until_the_next_send_there()
    {
        var first = ChatPage.UniqueRoom("first");
        var second = ChatPage.UniqueRoom("second");
        var ola = await SignedUpAsync("ola", system.NodeA, clock: true);
        await ola.JoinAsync(first);
        await ola.JoinAsync(second);
        await ola.OpenAsync(first);

        await ola.SendAsync("/foo");
        var error = ola.Page.Locator("#notice .notice[data-kind='error']");
        await Expect(error).ToHaveCountAsync(1);
        await Expect(error.Locator(".notice-text")).ToHaveTextAsync("No bot answers /foo. Try /stock=AAPL, or start the line with // to send it as a message.");
        await Expect(error).ToHaveAttributeAsync("role", "alert");
        await Expect(error).ToHaveAttributeAsync("data-code", "unknown_command");
        await Expect(error).Not.ToContainTextAsync("unknown_command");

        // No timer takes it away...
        await ola.Page.Clock.FastForwardAsync("01:00");
        await Expect(error).ToHaveCountAsync(1);

        // ...and it does not follow the user into another room; it is still there on the way back.
        await ola.OpenAsync(second);
        await Expect(ola.Notices).ToHaveCountAsync(0);
        await Expect(ola.Page.Locator("#notice")).ToBeHiddenAsync();
        await ola.OpenAsync(first);
        await Expect(error).ToHaveCountAsync(1);

        // The next send in that room ends it; a new error can be dismissed.
        await ola.SendAsync("a plain message");
        await Expect(ola.Notices).ToHaveCountAsync(0);
        await ola.SendAsync("/Not a command");
        await Expect(error.Locator(".notice-text")).ToHaveTextAsync("/Not a command is not a command: write /name=value, e.g. /stock=AAPL. Start the line with // to send it as a message.");
        await error.GetByRole(AriaRole.Button, new() { Name = "Dismiss: /Not a command is not a command", Exact = false }).ClickAsync();
        await Expect(ola.Notices).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_room_field_shows_a_hint_that_does_not_look_like_a_value()
    {
        var pia = await SignedUpAsync("pia", system.NodeA);
        var field = pia.Page.GetByLabel("Room name");

        await Expect(field).ToHaveValueAsync("");
        await Expect(field).ToHaveAttributeAsync("placeholder", "e.g. lobby");
        await Expect(field).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("a new name makes a new room"));
        var style = await field.EvaluateAsync<string[]>(
            "input => [getComputedStyle(input, '::placeholder').fontStyle, getComputedStyle(input, '::placeholder').color, getComputedStyle(input).color]");
        Assert.Equal("italic", style[0]);
        Assert.NotEqual(style[2], style[1]);
    }

    [Fact]
    public async Task The_page_has_an_icon_and_loads_without_a_failed_request()
    {
        var failed = new List<string>();
        var page = await browser.NewPageAsync(system.NodeA.BaseUri);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (failed)
                {
                    failed.Add($"{response.Status} {response.Url}");
                }
            }
        };
        var chat = new ChatPage(page);
        await chat.SignUpAsync(ChatPage.UniqueName("quinn"));

        var href = await page.Locator("link[rel='icon']").EvaluateAsync<string>("link => link.href");
        Assert.Equal(new Uri(system.NodeA.BaseUri, "/favicon.ico"), new Uri(href));
        var icon = await page.APIRequest.GetAsync("/favicon.ico");
        Assert.Equal(200, icon.Status);
        Assert.Equal("image/x-icon", icon.Headers["content-type"]);
        var body = await icon.BodyAsync();
        Assert.True(body.AsSpan(0, 4).SequenceEqual(new byte[] { 0, 0, 1, 0 }), "not an ICO file");
        lock (failed)
        {
            Assert.Empty(failed);
        }
    }

    [Fact]
    public async Task Markup_in_a_message_is_shown_as_text_and_runs_nothing()
    {
        const string Markup = "<img src=x onerror=alert(1)>";
        var room = ChatPage.UniqueRoom("xss");
        var hank = await SignedUpAsync("hank", system.NodeA);
        var ivy = await SignedUpAsync("ivy", system.NodeB);
        var dialogs = new List<string>();
        foreach (var page in new[] { hank.Page, ivy.Page })
        {
            page.Dialog += (_, dialog) =>
            {
                lock (dialogs)
                {
                    dialogs.Add(dialog.Message);
                }

                _ = dialog.DismissAsync();
            };
        }

        await hank.JoinAsync(room);
        await ivy.JoinAsync(room);
        await hank.SendAsync(Markup);
        await ivy.ExpectMessageAsync(await hank.Page.Locator("#me").TextContentAsync() ?? "", Markup);
        await hank.ExpectMessageAsync(await hank.Page.Locator("#me").TextContentAsync() ?? "", Markup);

        // One more round trip after the markup, so anything it could have started has had its chance.
        await hank.SendAsync("after");
        await ivy.ExpectMessageAsync(await hank.Page.Locator("#me").TextContentAsync() ?? "", "after");

        await Expect(ivy.Page.Locator("#messages img")).ToHaveCountAsync(0);
        await Expect(hank.Page.Locator("#messages img")).ToHaveCountAsync(0);
        lock (dialogs)
        {
            Assert.Empty(dialogs);
        }
    }

    [Fact]
    public async Task The_narrow_layout_shows_messages_and_compose_and_folds_the_room_list()
    {
        var room = ChatPage.UniqueRoom("phone");
        var jo = await SignedUpAsync("jo", system.NodeA, 390, 844);
        var toggle = jo.Page.GetByRole(AriaRole.Button, new() { Name = "Rooms" });
        await Expect(toggle).ToBeVisibleAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(jo.Page.GetByLabel("Room name")).ToBeHiddenAsync();

        await toggle.ClickAsync();
        await Expect(jo.Page.GetByLabel("Room name")).ToBeVisibleAsync();
        await jo.JoinAsync(room);
        await jo.SendAsync("from my phone");
        await jo.ExpectMessageAsync("jo_", "from my phone");
        await Expect(jo.Page.Locator("#messages")).ToBeVisibleAsync();
        await Expect(jo.Page.GetByLabel("Message", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(jo.Page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeVisibleAsync();
        await Expect(jo.Page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeInViewportAsync();

        // The page does not scroll sideways on a phone.
        var overflow = await jo.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow);
    }

    [Fact]
    public async Task After_a_drop_the_page_reconnects_and_shows_what_it_missed_exactly_once()
    {
        var room = ChatPage.UniqueRoom("resume");
        var kim = await SignedUpAsync("kim", system.NodeA);
        await kim.JoinAsync(room);
        await using var lee = await ChatTestClient.ConnectAsync(system.NodeB, ChatPage.UniqueName("lee"));
        await lee.JoinAsync(room);
        await lee.SendMessageAsync(room, "before");
        await Expect(kim.MessageText("before")).ToHaveCountAsync(1);

        await kim.Page.EvaluateAsync("() => window.chattorum.dropConnection(true)");
        await Expect(kim.State).ToHaveTextAsync("disconnected");
        for (var i = 1; i <= 3; i++)
        {
            await lee.SendMessageAsync(room, $"missed {i}");
        }

        await kim.Page.EvaluateAsync("() => window.chattorum.reconnect()");
        await Expect(kim.State).ToHaveTextAsync("connected");
        await lee.SendMessageAsync(room, "after");
        await Expect(kim.Page.Locator("#messages li.message .text")).ToHaveTextAsync(["before", "missed 1", "missed 2", "missed 3", "after"]);

        // A drop with the automatic reconnect (backoff), while messages keep coming.
        await kim.Page.EvaluateAsync("() => window.chattorum.dropConnection()");
        await lee.SendMessageAsync(room, "during");
        await Expect(kim.State).ToHaveTextAsync("connected");
        await lee.SendMessageAsync(room, "later");
        await Expect(kim.Page.Locator("#messages li.message .text")).ToHaveTextAsync(["before", "missed 1", "missed 2", "missed 3", "after", "during", "later"]);
    }

    [Fact]
    public async Task A_token_the_node_refuses_sends_the_page_back_to_sign_in_instead_of_retrying()
    {
        // A session the page believes in (not expired by its own clock) with a token the node does not accept: a
        // signing key rotated, say. The client learns from the node that the token is refused and stops.
        var page = new ChatPage(await browser.NewPageAsync(system.NodeA.BaseUri));
        var sockets = 0;
        page.Page.WebSocket += (_, _) => Interlocked.Increment(ref sockets);
        await page.Page.GotoAsync("/");
        await page.Page.EvaluateAsync("""
            () => sessionStorage.setItem("chattorum.token", JSON.stringify({
              token: "not-a-token", user: "someone", expiresAt: new Date(Date.now() + 3600000).toISOString() }))
            """);
        await page.Page.ReloadAsync();

        await Expect(page.Page.Locator("#signin-form")).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#chat")).ToBeHiddenAsync();
        await Expect(page.State).ToHaveTextAsync("offline");
        Assert.Null(await page.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('chattorum.token')"));
        Assert.Equal(1, Volatile.Read(ref sockets));
    }

    [Fact]
    public async Task When_its_node_restarts_the_page_reconnects_and_shows_what_was_sent_meanwhile_exactly_once()
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] settings = ["--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:messaging", system.Broker.ChatConnectionString];
        var node = await ChatServer.StartAsync(system.Redis, settings);
        var room = ChatPage.UniqueRoom("restart");
        var nora = await SignedUpAsync("nora", node);
        await nora.JoinAsync(room);
        await using var lee = await ChatTestClient.ConnectAsync(system.NodeB, ChatPage.UniqueName("lee"));
        await lee.JoinAsync(room);
        await lee.SendMessageAsync(room, "before");
        await Expect(nora.MessageText("before")).ToHaveCountAsync(1);

        // The node goes away (closing with 1001), messages go on elsewhere, the node comes back on its address.
        await node.DisposeAsync();
        await Expect(nora.State).Not.ToHaveTextAsync("connected");
        for (var i = 1; i <= 3; i++)
        {
            await lee.SendMessageAsync(room, $"meanwhile {i}");
        }

        await using var restarted = await ChatServer.StartAsync(system.Redis, settings);
        await Expect(nora.State).ToHaveTextAsync("connected", new() { Timeout = 30_000 });
        await lee.SendMessageAsync(room, "after");
        await Expect(nora.Page.Locator("#messages li.message .text")).ToHaveTextAsync(["before", "meanwhile 1", "meanwhile 2", "meanwhile 3", "after"]);
    }

    [Fact]
    public async Task Shift_Enter_makes_a_new_line_and_the_list_sticks_to_the_bottom_unless_scrolled_up()
    {
        var room = ChatPage.UniqueRoom("scroll");
        var max = await SignedUpAsync("max", system.NodeA, 800, 500);
        await max.JoinAsync(room);
        var compose = max.Page.GetByLabel("Message", new() { Exact = true });
        await compose.PressSequentiallyAsync("line one");
        await compose.PressAsync("Shift+Enter");
        await compose.PressSequentiallyAsync("line two");
        await Expect(compose).ToHaveValueAsync("line one\nline two");
        await compose.PressAsync("Enter");
        await max.ExpectMessageAsync("max_", "line one\nline two");

        await using var other = await ChatTestClient.ConnectAsync(system.NodeB, ChatPage.UniqueName("nia"));
        await other.JoinAsync(room);
        for (var i = 0; i < 12; i++)
        {
            await other.SendMessageAsync(room, $"filler {i}");
        }

        await Expect(max.MessageText("filler 11")).ToBeInViewportAsync();

        // Scrolled up to read: a new message does not pull the reader down.
        await max.Messages.EvaluateAsync("list => { list.scrollTop = 0; }");
        await other.SendMessageAsync(room, "while reading");
        await Expect(max.MessageText("while reading")).ToHaveCountAsync(1);
        Assert.Equal(0, await max.Messages.EvaluateAsync<double>("list => list.scrollTop"));
        await Expect(max.MessageText("while reading")).Not.ToBeInViewportAsync();

        // Back at the bottom: new messages keep it there.
        await max.Messages.EvaluateAsync("list => { list.scrollTop = list.scrollHeight; }");
        await other.SendMessageAsync(room, "at the bottom");
        await Expect(max.MessageText("at the bottom")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task Screenshots_of_the_main_view()
    {
        var room = ChatPage.UniqueRoom("lobby");
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        var wide = await SignedUpAsync("alice", system.NodeA);
        var narrow = await SignedUpAsync("bob", system.NodeB, 390, 844);
        await wide.JoinAsync("general");
        await wide.JoinAsync(room);
        await narrow.Page.GetByRole(AriaRole.Button, new() { Name = "Rooms" }).ClickAsync();
        await narrow.JoinAsync(room);
        await narrow.Page.GetByRole(AriaRole.Button, new() { Name = "Rooms" }).ClickAsync();
        await Expect(narrow.Page.GetByLabel("Room name")).ToBeHiddenAsync();
        await wide.SendAsync("hi bob, the page works");
        await narrow.SendAsync("hello! shift+enter makes\na second line");
        await wide.SendAsync("/stock=AAPL");
        await wide.ExpectMessageAsync("StockBot", "AAPL.US quote is $93.42 per share");
        await narrow.ExpectMessageAsync("StockBot", "AAPL.US quote is $93.42 per share");
        await Expect(wide.Members).ToHaveCountAsync(2);

        // Into a temporary folder, never over the tracked docs/images unless asked: CHATTORUM_UPDATE_DOC_IMAGES=1.
        var images = Environment.GetEnvironmentVariable(UpdateDocImagesVariable) == "1"
            ? Path.Combine(RepositoryRoot(), "docs", "images")
            : Path.Combine(Path.GetTempPath(), "chattorum-screenshots");
        Directory.CreateDirectory(images);
        output.WriteLine($"screenshots in {images}");
        foreach (var (page, name) in new[] { (wide, "page-wide.png"), (narrow, "page-narrow.png") })
        {
            var path = Path.Combine(images, name);
            await page.Page.ScreenshotAsync(new() { Path = path });
            var png = await File.ReadAllBytesAsync(path);
            Assert.True(png.Length > 1_000 && png.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{path} is not a PNG screenshot");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Chattorum.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Chattorum.sln not found above the test binaries");
    }
}
