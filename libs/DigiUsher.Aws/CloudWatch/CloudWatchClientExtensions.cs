using DigiUsher.Aws.IdentityManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DigiUsher.Aws.CloudWatch;

public static class CloudWatchClientExtensions
{
    /// <summary>Registers <see cref="ICloudWatchClient"/> (call after <c>AddDigiUsherAws</c>).</summary>
    public static IServiceCollection AddCloudWatchClient(this IServiceCollection services)
    {
        services.TryAddSingleton<AwsQueryProtocol>();
        services.TryAddSingleton<ICloudWatchClient, CloudWatchClient>();
        return services;
    }
}
