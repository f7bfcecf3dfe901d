using DigiUsher.Aws;
using DigiUsher.ResourceDiscovery;
using DigiUsher.ResourceDiscovery.Apis;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("resource-discovery", DiscoveryDb.Schema));
builder.AddDigiUsherAuthentication();
builder.AddDigiUsherOpenApi("DigiUsher ResourceDiscovery API", "Owner assignment rules: which employee owns a discovered resource, by tag, name prefix, resource type or region.");
builder.AddResourceDiscovery();
builder.AddMessageBus(bus =>
{
    bus.AddConsumers(typeof(Program).Assembly);
    bus.AddDataSourceCredentialsRequestClient();
});

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDigiUsherOpenApi();
app.MapOwnerRulesApi();

return await app.RunOrMigrateAsync(args);

/// <summary>The ResourceDiscovery service entry point (public for integration tests).</summary>
public partial class Program;
