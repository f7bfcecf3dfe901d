using DigiUsher.Query;
using DigiUsher.Query.Apis;
using DigiUsher.Query.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("query", QueryDb.Schema));
builder.AddDigiUsherAuthentication();
builder.AddDigiUsherOpenApi("DigiUsher Query API", "Costs (grouped, filtered, per currency, CSV export), resources with their owners and daily cost, findings (waste and risk), what an employee owns, and imports.");
builder.AddQueryServices();
builder.AddMessageBus(bus => bus.AddConsumers(typeof(Program).Assembly));

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseRateLimiter();
app.MapDigiUsherOpenApi();
app.MapCostsApi();
app.MapResourcesApi();
app.MapFindingsApi();
app.MapEmployeesApi();
app.MapImportsApi();

return await app.RunOrMigrateAsync(args);

/// <summary>The Query service entry point (public for integration tests).</summary>
public partial class Program;
