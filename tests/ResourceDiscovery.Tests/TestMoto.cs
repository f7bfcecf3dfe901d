using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>A dedicated moto without its default AMIs, whose thousands of snapshots moto files under the test account.</summary>
public static class TestMoto
{
    public static Task<MotoServer> StartAsync(int? freeRequests = null)
    {
        // moto_server inherits this process's environment.
        Environment.SetEnvironmentVariable("MOTO_EC2_LOAD_DEFAULT_AMIS", "false");
        return MotoServer.StartAsync(freeRequests);
    }
}
