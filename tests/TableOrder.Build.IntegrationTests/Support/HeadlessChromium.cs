using Microsoft.Playwright;
using TableOrder.Build.Local;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright: the NuGet package carries its driver (Node.js
/// and playwright-core), the browser is the host's /usr/bin/chromium, installed here by the tests'
/// own set-up (HostPackages.BrowserTests, under the host-wide package lock) and never by a Deploy.
/// Nothing is downloaded. Each context is a fresh profile (Playwright launches with a new empty
/// user data folder), so two pages share no cookies or storage.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    // As on every machine here: no GPU, no network but loopback, so nothing of Chromium's own calls home.
    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly List<(string Name, IPage Page)> _pages = [];

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<HeadlessChromium> LaunchAsync(ITestOutputHelper output)
    {
        var log = new RecordingLog(output);
        new HostPackages(new LocalProcess(log), log).EnsureInstalled(HostPackages.BrowserTests);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                Args = Flags,
                Timeout = 60_000,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page in a context of its own; the browser's console goes to the test's output.</summary>
    public async Task<IPage> NewPageAsync(string name, ITestOutputHelper output)
    {
        var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.Console += (_, message) => output.WriteLine($"[{name} console] {message.Type}: {message.Text}");
        page.PageError += (_, error) => output.WriteLine($"[{name} page error] {error}");
        _pages.Add((name, page));
        return page;
    }

    /// <summary>After a failure: what each page showed, as PNGs beside the test results.</summary>
    public async Task SaveScreenshotsAsync(string test, ITestOutputHelper output)
    {
        var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "test-results");
        Directory.CreateDirectory(folder);
        foreach (var (name, page) in _pages)
        {
            var file = Path.Combine(folder, $"{test}-{name.Replace(' ', '-')}.png");
            try
            {
                await page.ScreenshotAsync(new() { Path = file, FullPage = true });
                output.WriteLine($"screenshot of the {name} page: {file}");
            }
            catch (PlaywrightException ex)
            {
                output.WriteLine($"no screenshot of the {name} page: {ex.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
