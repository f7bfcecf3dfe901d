using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>AWS client factory and options; with <paramref name="credentialsFromDataSource"/>, the credentials client too.</summary>
    public static IServiceCollection AddDigiUsherAws(this IServiceCollection services, bool credentialsFromDataSource = true)
    {
        services.AddOptions<AwsOptions>().BindConfiguration(AwsOptions.Section);
        services.AddSingleton<AwsClientFactory>();
        services.AddMemoryCache();
        services.AddOptions<CredentialTransportOptions>().BindConfiguration(CredentialTransportOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CredentialSealer>();
        if (credentialsFromDataSource)
        {
            // MassTransit's IRequestClient<T> is scoped; a singleton must hold one made by the
            // singleton IClientFactory instead (scope validation refuses the other way round).
            services.AddSingleton<IDataSourceCredentials>(sp => new DataSourceCredentialsClient(
                sp.GetRequiredService<IClientFactory>().CreateRequestClient<GetAwsCredentials>(RequestTimeout.After(s: 30)),
                sp.GetRequiredService<CredentialSealer>(),
                sp.GetRequiredService<IMemoryCache>(),
                sp.GetRequiredService<IOptions<AwsOptions>>(),
                sp.GetRequiredService<DigiUsher.ServiceDefaults.DigiUsherService>()));
        }

        return services;
    }

    /// <summary>
    /// Registers the <c>GetAwsCredentials</c> request client on the bus, and the consumer that drops an
    /// organization's cached credentials when its quota overrides change.
    /// </summary>
    public static void AddDataSourceCredentialsRequestClient(this IBusRegistrationConfigurator bus)
    {
        bus.AddRequestClient<GetAwsCredentials>(RequestTimeout.After(s: 30));
        bus.AddConsumer<OrganizationQuotasChangedConsumer, OrganizationQuotasChangedConsumerDefinition>();
    }
}
