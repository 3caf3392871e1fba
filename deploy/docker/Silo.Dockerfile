# Connects.Silo: the Orleans silo (+ /health, /metrics, /dashboard on 8080).
# Build from the repository root:
#   docker build -f deploy/docker/Silo.Dockerfile -t connects-silo .
# `docker run connects-silo migrate` applies the schema and exits.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files only, so the layer is cached until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Grains/Connects.Grains.csproj src/Grains/
COPY src/Silo/Connects.Silo.csproj src/Silo/
RUN dotnet restore src/Silo/Connects.Silo.csproj

COPY src/Grains/ src/Grains/
COPY src/Silo/ src/Silo/
# The SQL scripts are embedded into Connects.Silo.dll at build time.
COPY deploy/sql/ deploy/sql/
RUN dotnet publish src/Silo/Connects.Silo.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
ENV Urls=http://0.0.0.0:8080
COPY --from=build /app ./
# 11111: silo-to-silo, 30000: gateway (clients), 8080: HTTP (health, metrics, dashboard).
EXPOSE 11111 30000 8080
# The non-root user that the .NET images ship (numeric, so runAsNonRoot can verify it).
USER $APP_UID
ENTRYPOINT ["dotnet", "Connects.Silo.dll"]
