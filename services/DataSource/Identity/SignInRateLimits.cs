using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using DigiUsher.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Identity;

/// <summary>
/// Section <c>Auth:RateLimit</c>: requests per client address to the routes that check a password or a
/// client secret (<c>/connect/token</c>, <c>/connect/revoke</c>, <c>/api/v1/auth/*</c>). The address is the
/// peer's, or the <c>X-Forwarded-For</c> one only when the peer is a configured proxy (<c>ForwardedHeaders</c>).
/// </summary>
public sealed class SignInRateLimitOptions
{
    public const string Section = "Auth:RateLimit";

    /// <summary>Requests one address may make at once before it is slowed down.</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 20;

    /// <summary>Requests per minute one address gets back after the burst.</summary>
    [Range(1, 100_000)]
    public int PerMinute { get; set; } = 30;
}

/// <summary>
/// A token bucket per client address on the sign-in routes: one address flooding them is answered 429
/// (problem details, <c>Retry-After</c>) before any password is hashed, while other addresses, and the
/// account whose login is attacked, still sign in (the failed-login lockout is per login and address).
/// </summary>
public static class SignInRateLimits
{
    public const string Policy = "sign-in";

    public static IServiceCollection AddSignInRateLimits(this IServiceCollection services)
    {
        services.AddOptions<SignInRateLimitOptions>().BindConfiguration(SignInRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<SignInRateLimitOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = Math.Max(1, options.PerMinute / 6),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(10),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var correlationId = http.Response.Headers[CorrelationIdMiddleware.HeaderName] is { Count: > 0 } c ? c.ToString() : null;
                var detail = $"Too many sign-in requests from this address; try again in {seconds} s.";
                // Problem details, with RFC 6749's error members too: what OAuth libraries read.
                await http.Response.WriteAsJsonAsync(new
                {
                    type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                    title = "Too many requests",
                    status = StatusCodes.Status429TooManyRequests,
                    detail,
                    instance = http.Request.Path.Value,
                    correlationId,
                    error = "slow_down",
                    error_description = detail,
                }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            };
        });
        return services;
    }
}
