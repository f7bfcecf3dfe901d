using DigiUsher.Aws;
using DigiUsher.CurPoller;
using DigiUsher.CurPoller.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("cur-poller", CurPollerDb.Schema));
builder.AddMessageBus(bus =>
{
    bus.AddConsumers(typeof(Program).Assembly);
    bus.AddDataSourceCredentialsRequestClient();
});
builder.AddCurPollerServices();

var app = builder.Build();
app.MapDefaultEndpoints();

return await app.RunOrMigrateAsync(args);

/// <summary>The CurPoller service entry point (public for integration tests).</summary>
public partial class Program;
