using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DigiUsher.ServiceDefaults.Telemetry;

/// <summary>
/// Counts every request a rate limit refused (a 429 answer, from ASP.NET Core's rate limiter or a
/// throttle of our own such as DataSource's failed-login lockout), by route pattern: a bounded set.
/// </summary>
public sealed class RateLimitRefusalMiddleware(RequestDelegate next, ServiceMeter meter)
{
    private readonly Counter<long> _refusals = meter.Counter(Instruments.RateLimitRefusals);

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests)
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            _refusals.Add(1, new KeyValuePair<string, object?>("http.route", route));
        }
    }
}
