using System.Security.Cryptography;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chattorum.Tests.Integration.Browser;

/// <summary>What a person does on the web page, as Playwright steps that wait on what the page shows.</summary>
public sealed class ChatPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator State => Page.Locator("#conn-state");

    public ILocator Messages => Page.Locator("#messages");

    public ILocator Members => Page.Locator("#members li");

    /// <summary>The notices of the room in view (errors and commands waiting for their answer).</summary>
    public ILocator Notices => Page.Locator("#notice .notice");

    /// <summary>The notices' sentences (without their Dismiss buttons).</summary>
    public ILocator NoticeTexts => Page.Locator("#notice .notice .notice-text");

    /// <summary>Shows a joined room, as a click on it in the room list.</summary>
    public async Task OpenAsync(string room)
    {
        await Page.Locator($"#room-list li[data-room='{room}'] button.open").ClickAsync();
        await Expect(Page.Locator("#room-title")).ToHaveTextAsync($"#{room}");
    }

    public static string UniqueName(string prefix) => $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static string UniqueRoom(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>
    /// Opens the page, signs up and waits until the page is connected. With <paramref name="clock"/>, the page's timers and
    /// clock are Playwright's (<see cref="IPage.Clock"/>): time flows, and a test can jump ahead to show that nothing
    /// happens on a timer.
    /// </summary>
    public async Task SignUpAsync(string user, bool clock = false)
    {
        if (clock)
        {
            await Page.Clock.InstallAsync();
        }

        await Page.GotoAsync("/");
        await Page.Locator("#signup-username").FillAsync(user);
        await Page.Locator("#signup-password").FillAsync(TestSecrets.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign up", Exact = true }).ClickAsync();
        await Expect(State).ToHaveTextAsync("connected");
        await Expect(Page.Locator("#me")).ToHaveTextAsync(user);
    }

    public async Task JoinAsync(string room)
    {
        await Page.GetByLabel("Room name").FillAsync(room);
        await Page.GetByLabel("Room name").PressAsync("Enter");
        await Expect(Page.Locator("#room-title")).ToHaveTextAsync($"#{room}");
    }

    public async Task SendAsync(string text)
    {
        var compose = Page.GetByLabel("Message", new() { Exact = true });
        await Expect(compose).ToBeEnabledAsync();
        await compose.FillAsync(text);
        await compose.PressAsync("Enter");
        await Expect(compose).ToHaveValueAsync("");
    }

    /// <summary>The message texts shown with this exact text.</summary>
    public ILocator MessageText(string text) => Page.Locator("#messages li.message").Locator(TextExactly(text));

    /// <summary>The whole message item (sender, time, text) holding this exact text.</summary>
    public ILocator MessageItem(string text) => Page.Locator("#messages li.message").Filter(new() { Has = TextExactly(text) });

    private ILocator TextExactly(string text) =>
        Page.Locator(".text").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(text)}$") });

    public async Task ExpectMessageAsync(string user, string text)
    {
        await Expect(MessageText(text)).ToHaveCountAsync(1);
        await Expect(MessageItem(text).Locator(".user")).ToContainTextAsync(user);
        await Expect(MessageItem(text).Locator("time")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{2}:\d{2}$"));
    }
}
