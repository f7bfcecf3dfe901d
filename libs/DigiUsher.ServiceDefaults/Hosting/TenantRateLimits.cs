using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>A token bucket: requests at once, then per minute.</summary>
public sealed class TenantRateLimit
{
    [Range(1, 1_000_000)]
    public int Burst { get; set; }

    [Range(1, 1_000_000)]
    public int PerMinute { get; set; }
}

/// <summary>
/// Section <c>RateLimits</c>: requests one organization may make to the routes that cost DigiUsher the
/// most (database scans, AWS calls), whoever of its users or service clients makes them. Past a limit
/// the organization is answered 429 with <c>Retry-After</c>; the other organizations notice nothing.
/// </summary>
public sealed class TenantRateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Cost queries and forecasts (Query).</summary>
    [Required]
    public TenantRateLimit Queries { get; set; } = new() { Burst = 60, PerMinute = 240 };

    /// <summary>CSV exports (Query).</summary>
    [Required]
    public TenantRateLimit Exports { get; set; } = new() { Burst = 5, PerMinute = 10 };

    /// <summary>Connection checks against AWS: creating, changing or validating a data source (DataSource).</summary>
    [Required]
    public TenantRateLimit Validations { get; set; } = new() { Burst = 10, PerMinute = 20 };

    /// <summary>"Poll now" (DataSource).</summary>
    [Required]
    public TenantRateLimit Polls { get; set; } = new() { Burst = 5, PerMinute = 10 };
}

/// <summary>
/// ASP.NET Core rate limiting per organization (its <c>org</c> claim; a caller without one is limited
/// by its address, which is the peer's unless a configured proxy forwarded it). Endpoints opt in with
/// <see cref="RequireTenantRateLimit"/>.
/// </summary>
public static class TenantRateLimits
{
    public const string Queries = "tenant-queries";
    public const string Exports = "tenant-exports";
    public const string Validations = "tenant-validations";
    public const string Polls = "tenant-polls";

    public static IServiceCollection AddTenantRateLimits(this IServiceCollection services)
    {
        services.AddOptions<TenantRateLimitOptions>().BindConfiguration(TenantRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Queries, new TenantPolicy("cost queries", nameof(TenantRateLimitOptions.Queries), o => o.Queries));
            limiter.AddPolicy(Exports, new TenantPolicy("exports", nameof(TenantRateLimitOptions.Exports), o => o.Exports));
            limiter.AddPolicy(Validations, new TenantPolicy("connection checks", nameof(TenantRateLimitOptions.Validations), o => o.Validations));
            limiter.AddPolicy(Polls, new TenantPolicy("polls", nameof(TenantRateLimitOptions.Polls), o => o.Polls));
        });
        return services;
    }

    /// <summary>The endpoint counts against the organization's <paramref name="policy"/> (one of this class's names), and documents its 429.</summary>
    public static RouteHandlerBuilder RequireTenantRateLimit(this RouteHandlerBuilder builder, string policy) =>
        builder.RequireRateLimiting(policy).ProducesProblem(StatusCodes.Status429TooManyRequests);

    private sealed class TenantPolicy(string what, string setting, Func<TenantRateLimitOptions, TenantRateLimit> limit) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await http.Response.WriteAsJsonAsync(new
            {
                type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                title = "Too many requests",
                status = StatusCodes.Status429TooManyRequests,
                detail = $"This organization made more {what} than its limit of {Limit(http).Burst} at once and {Limit(http).PerMinute} a minute "
                    + $"({TenantRateLimitOptions.Section}:{setting}); try again in {seconds} s.",
                instance = http.Request.Path.Value,
                correlationId = http.Response.Headers[CorrelationIdMiddleware.HeaderName] is { Count: > 0 } c ? c.ToString() : null,
            }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
        };

        public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        {
            var organization = httpContext.User.FindFirst(DigiUsherClaims.Organization)?.Value;
            var key = organization is { Length: > 0 } ? "org:" + organization : "address:" + httpContext.Connection.RemoteIpAddress;
            var bucket = Limit(httpContext);
            // Refilled every 10 s, or once a minute for fewer than six a minute.
            var often = bucket.PerMinute >= 6;
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.Burst,
                TokensPerPeriod = often ? bucket.PerMinute / 6 : bucket.PerMinute,
                ReplenishmentPeriod = often ? TimeSpan.FromSeconds(10) : TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }

        private TenantRateLimit Limit(HttpContext http) => limit(http.RequestServices.GetRequiredService<IOptions<TenantRateLimitOptions>>().Value);
    }
}
