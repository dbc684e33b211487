using System.Diagnostics;

namespace Chattorum.AppHost;

/// <summary>
/// Decides whether Redis and RabbitMQ can run as containers: a container runtime whose daemon
/// answers <c>info</c> within a few seconds. A client without an engine (as on a bare Debian box) does not count.
/// </summary>
internal static class ContainerRuntime
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The runtime Aspire would use: <c>ASPIRE_CONTAINER_RUNTIME</c> (docker or podman), docker by default.</summary>
    public static string Name =>
        Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } configured ? configured : "docker";

    /// <summary>True when <c>{runtime} info</c> exits 0 within <see cref="ProbeTimeout"/>.</summary>
    public static bool IsHealthy()
    {
        var startInfo = new ProcessStartInfo(Name, "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            // Drain the pipes so a chatty `info` cannot block on a full buffer.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();

            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No such binary on PATH.
            return false;
        }
    }
}
