namespace DigiUsher.Console;

/// <summary>Return URLs are followed only within the console: an open redirect would hand a phishing site a trusted link.</summary>
public static class LocalUrl
{
    public static string Or(string? url, string fallback) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : fallback;
}
