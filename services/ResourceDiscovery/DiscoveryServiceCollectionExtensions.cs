using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ResourceDiscovery.Discovery;

namespace DigiUsher.ResourceDiscovery;

public static class DiscoveryServiceCollectionExtensions
{
    /// <summary>Scanners, the scheduler, the stores and the AWS clients of discovery.</summary>
    public static WebApplicationBuilder AddResourceDiscovery(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DiscoveryOptions>().BindConfiguration(DiscoveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddDigiUsherAws();
        builder.Services.AddIdentityManagementClient();
        builder.Services.AddCloudWatchClient();
        builder.Services.AddOrganizationsClient();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DiscoveryStore>();
        builder.Services.AddSingleton<OwnerRuleStore>();
        builder.Services.AddSingleton<CursorCodec>();
        builder.Services.AddSingleton<Ec2Scanner>();
        builder.Services.AddSingleton<BucketScanner>();
        builder.Services.AddSingleton<IamScanner>();
        builder.Services.AddSingleton<OrganizationScanner>();
        builder.Services.AddSingleton<DiscoveryMetrics>();
        builder.Services.AddScoped<DiscoveryRunner>();
        builder.Services.AddSingleton<DiscoveryScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DiscoveryScheduler>());
        return builder;
    }
}
