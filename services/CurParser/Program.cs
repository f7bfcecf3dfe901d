using DigiUsher.Aws;
using DigiUsher.CurParser;
using DigiUsher.CurParser.Apis;
using DigiUsher.CurParser.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Security;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("cur-parser", CurParserDb.Schema));
builder.AddDigiUsherAuthentication();
builder.Services.AddCurParser();
builder.AddMessageBus(bus =>
{
    bus.AddConsumers(typeof(Program).Assembly);
    bus.AddDataSourceCredentialsRequestClient();
});

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapImportsApi();

return await app.RunOrMigrateAsync(args);

/// <summary>The CurParser service entry point (public for integration tests).</summary>
public partial class Program;
