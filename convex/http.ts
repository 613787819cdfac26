import { httpRouter } from "convex/server";
import { auth } from "./auth";
import { WORKER_ROUTES } from "./lib/workerProtocol";
import * as workerApi from "./workerApi";

const http = httpRouter();

auth.addHttpRoutes(http);

http.route({ path: WORKER_ROUTES.info, method: "POST", handler: workerApi.info });
http.route({ path: WORKER_ROUTES.claim, method: "POST", handler: workerApi.claim });
http.route({ path: WORKER_ROUTES.heartbeat, method: "POST", handler: workerApi.heartbeat });
http.route({ path: WORKER_ROUTES.artifactUploadUrls, method: "POST", handler: workerApi.artifactUploadUrls });
http.route({ path: WORKER_ROUTES.artifacts, method: "POST", handler: workerApi.artifacts });
http.route({ path: WORKER_ROUTES.complete, method: "POST", handler: workerApi.complete });
http.route({ path: WORKER_ROUTES.fail, method: "POST", handler: workerApi.fail });

export default http;
