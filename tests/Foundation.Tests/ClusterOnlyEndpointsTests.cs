using DigiUsher.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http;

namespace DigiUsher.Foundation.Tests;

public class ClusterOnlyEndpointsTests
{
    [Theory]
    [InlineData("/metrics", "X-Forwarded-For")]
    [InlineData("/health/ready", "X-Forwarded-For")]
    [InlineData("/HEALTH/live", "X-Original-For")]
    [InlineData("/internal/v1/imports/0f8fad5b-d9cb-469f-a165-70867728950e/daily-costs", "Forwarded")]
    public async Task Request_WhenAClusterOnlyPathCameThroughAProxy_IsNotFound(string path, string header)
    {
        var (status, reachedNext) = await SendAsync(path, header);

        Assert.Equal(StatusCodes.Status404NotFound, status);
        Assert.False(reachedNext);
    }

    [Theory]
    [InlineData("/metrics", null)]
    [InlineData("/health/ready", null)]
    [InlineData("/internal/v1/credentials", null)]
    [InlineData("/api/v1/costs", "X-Forwarded-For")]
    [InlineData("/healthy-looking-page", "X-Forwarded-For")]
    [InlineData("/", "X-Forwarded-For")]
    public async Task Request_WhenInsideTheClusterOrNotClusterOnly_ReachesTheEndpoint(string path, string? header)
    {
        var (_, reachedNext) = await SendAsync(path, header);

        Assert.True(reachedNext);
    }

    private static async Task<(int Status, bool ReachedNext)> SendAsync(string path, string? header)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (header is not null)
        {
            context.Request.Headers[header] = "203.0.113.5";
        }

        var reachedNext = false;
        var middleware = new ClusterOnlyEndpointsMiddleware(_ =>
        {
            reachedNext = true;
            return Task.CompletedTask;
        });
        await middleware.InvokeAsync(context);
        return (context.Response.StatusCode, reachedNext);
    }
}
