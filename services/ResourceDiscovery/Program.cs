using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("resource-discovery", "discovery"));
builder.AddMessageBus(bus => bus.AddConsumers(typeof(Program).Assembly));

var app = builder.Build();
app.MapDefaultEndpoints();

return await app.RunOrMigrateAsync(args);

/// <summary>The ResourceDiscovery service entry point (public for integration tests).</summary>
public partial class Program;
