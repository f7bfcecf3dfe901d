namespace DigiUsher.Console;

/// <summary>
/// Headers every answer carries, and the Origin check of the Blazor circuit: its WebSocket is not
/// covered by antiforgery tokens, so a page of another site must not open one with the person's cookie
/// (SameSite=Lax keeps the cookie off cross-site WebSockets in browsers; this is the server's own check).
/// </summary>
public sealed class ConsoleSecurityMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        // Everything is served by the console itself: no CDN, no inline script. Radzen sets inline styles.
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

        if (context.Request.Path.StartsWithSegments("/_blazor")
            && context.Request.Headers.Origin is { Count: > 0 } origin
            && (!Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
