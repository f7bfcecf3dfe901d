using DigiUsher.Testing;
using Microsoft.Playwright;

namespace DigiUsher.Console.Tests;

/// <summary>
/// Debian's chromium driven by Playwright (never a browser download), one context per person, and
/// a screenshot of every page visited under <c>.dev/test-results/console/</c>.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private static readonly string[] Arguments =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly System.Diagnostics.Stopwatch _elapsed = System.Diagnostics.Stopwatch.StartNew();
    private int _shots;

    private Browser(IPlaywright playwright, IBrowser browser, string folder)
    {
        _playwright = playwright;
        _browser = browser;
        Folder = folder;
    }

    public string Folder { get; }

    public static async Task<Browser> LaunchAsync(string testName)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = Arguments });
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, ".dev", "test-results", "console", testName);
        Directory.CreateDirectory(folder);
        foreach (var old in Directory.EnumerateFiles(folder))
        {
            // A previous run's pages would be mistaken for this run's.
            File.Delete(old);
        }

        return new Browser(playwright, browser, folder);
    }

    /// <summary>A person: their own cookies, a laptop-sized window.</summary>
    public async Task<IPage> NewPersonAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            AcceptDownloads = true,
        });
        // Generous: on a loaded 2-core machine (CI, other test runs) a page can take tens of seconds; the
        // waits never pass a wrong page, they only wait longer for the right one.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves the page as <c>NN-name.png</c>; returns the file.</summary>
    public async Task<string> ShotAsync(IPage page, string name)
    {
        var file = Path.Combine(Folder, $"{Interlocked.Increment(ref _shots):00}-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true, Timeout = 120_000 });
        // When each page was reached: where a slow run spent its time.
        await File.AppendAllTextAsync(Path.Combine(Folder, "timeline.txt"), $"{_elapsed.Elapsed:mm\\:ss} {Path.GetFileName(file)}\n");
        return file;
    }

    /// <summary>Where every open page was when a test failed.</summary>
    public async Task ShotEveryPageAsync(string name)
    {
        foreach (var page in _browser.Contexts.SelectMany(c => c.Pages))
        {
            try
            {
                await ShotAsync(page, name);
            }
            catch (PlaywrightException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

public static class PageExtensions
{
    /// <summary>Opens a console page and waits until it is interactive (its circuit connected).</summary>
    public static async Task OpenAsync(this IPage page, Uri console, string path)
    {
        await page.GotoAsync(new Uri(console, path).ToString());
        await page.WaitForInteractiveAsync();
    }

    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("main[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });

    /// <summary>
    /// Waits until the page's address matches. Not <c>IPage.WaitForURLAsync</c>: the .NET client first compares the
    /// frame's last known URL and only then subscribes to navigation events, so a navigation landing between the
    /// two (a Blazor <c>NavigateTo</c>, a same-document pushState, right after a click) is missed and it waits out
    /// its timeout on the right page: the cost explorer's flake of closing24. <c>ToHaveURLAsync</c> polls the
    /// address in the driver, which misses nothing.
    /// </summary>
    public static Task WaitForAddressAsync(this IPage page, System.Text.RegularExpressions.Regex address) =>
        Assertions.Expect(page).ToHaveURLAsync(address, new() { Timeout = 90_000 });

    public static Task WaitForAddressAsync(this IPage page, string address) =>
        Assertions.Expect(page).ToHaveURLAsync(address, new() { Timeout = 90_000 });

    public static ILocator TestId(this IPage page, string id) => page.Locator($"[data-testid='{id}']");

    public static ILocator TestIdIn(this ILocator locator, string id) => locator.Locator($"[data-testid='{id}']");
}
