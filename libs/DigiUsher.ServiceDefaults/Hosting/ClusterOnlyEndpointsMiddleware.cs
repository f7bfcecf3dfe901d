using Microsoft.AspNetCore.Http;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// Health checks, the Prometheus scrape and the internal service-to-service endpoints answer only
/// requests made inside the cluster (kubelet probes, Prometheus, other services), never a request
/// that came through the ingress. The chart routes the console at <c>/</c>, so the ingress's
/// longest-prefix match sends every path no API claims to it, <c>/metrics</c> and <c>/health/ready</c>
/// included; this is what keeps them private. A proxy always adds <c>X-Forwarded-For</c>
/// (ingress-nginx does: https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#use-forwarded-headers),
/// and ASP.NET Core's forwarded-headers middleware moves a believed one to <c>X-Original-For</c>.
/// The answer is 404, as for a path that does not exist.
/// </summary>
public sealed class ClusterOnlyEndpointsMiddleware(RequestDelegate next)
{
    private static readonly string[] ClusterOnlyPrefixes = ["/health", "/metrics", "/internal"];

    public Task InvokeAsync(HttpContext context)
    {
        if (IsClusterOnly(context.Request.Path) && CameThroughAProxy(context.Request.Headers))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }

    public static bool IsClusterOnly(PathString path) =>
        ClusterOnlyPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    public static bool CameThroughAProxy(IHeaderDictionary headers) =>
        headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Original-For") || headers.ContainsKey("Forwarded");
}
