using DigiUsher.DataSource;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("data-source", DataSourceDb.Schema));
builder.AddDigiUsherAuthentication();
builder.AddDigiUsherOpenApi("DigiUsher DataSource API", "Organizations, users, service clients and tokens; AWS root (payer) data sources with their connection validation, polling and status.");
builder.AddMessageBus(bus => bus.AddConsumers(typeof(Program).Assembly));
builder.AddDataSourceServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseRateLimiter();
app.MapDigiUsherOpenApi();
app.MapDataSourceApis();

return await app.RunOrMigrateAsync(args);

/// <summary>The DataSource service entry point (public for integration tests).</summary>
public partial class Program;
