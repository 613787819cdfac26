/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as artifacts from "../artifacts.js";
import type * as auth from "../auth.js";
import type * as captions from "../captions.js";
import type * as clipStorage from "../clipStorage.js";
import type * as clips from "../clips.js";
import type * as crons from "../crons.js";
import type * as http from "../http.js";
import type * as jobs from "../jobs.js";
import type * as lib_appErrors from "../lib/appErrors.js";
import type * as lib_artifactKinds from "../lib/artifactKinds.js";
import type * as lib_captionsView from "../lib/captionsView.js";
import type * as lib_clipFrames from "../lib/clipFrames.js";
import type * as lib_constantTimeEqual from "../lib/constantTimeEqual.js";
import type * as lib_crc32c from "../lib/crc32c.js";
import type * as lib_downloadFileName from "../lib/downloadFileName.js";
import type * as lib_failures from "../lib/failures.js";
import type * as lib_jobStatus from "../lib/jobStatus.js";
import type * as lib_partPlan from "../lib/partPlan.js";
import type * as lib_rightsStatement from "../lib/rightsStatement.js";
import type * as lib_settingNumbers from "../lib/settingNumbers.js";
import type * as lib_sourceMeta from "../lib/sourceMeta.js";
import type * as lib_storageConfig from "../lib/storageConfig.js";
import type * as lib_taskStatus from "../lib/taskStatus.js";
import type * as lib_taskValidators from "../lib/taskValidators.js";
import type * as lib_uploadValidators from "../lib/uploadValidators.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_workerProtocol from "../lib/workerProtocol.js";
import type * as lib_youtube from "../lib/youtube.js";
import type * as model_artifactRecords from "../model/artifactRecords.js";
import type * as model_authedFunctions from "../model/authedFunctions.js";
import type * as model_captionsTasks from "../model/captionsTasks.js";
import type * as model_clipConfig from "../model/clipConfig.js";
import type * as model_functionEnv from "../model/functionEnv.js";
import type * as model_intakeLimits from "../model/intakeLimits.js";
import type * as model_jobAccess from "../model/jobAccess.js";
import type * as model_jobCancellation from "../model/jobCancellation.js";
import type * as model_jobTransitions from "../model/jobTransitions.js";
import type * as model_jobViews from "../model/jobViews.js";
import type * as model_modalDrainSpawner from "../model/modalDrainSpawner.js";
import type * as model_multipartStorage from "../model/multipartStorage.js";
import type * as model_objectUrls from "../model/objectUrls.js";
import type * as model_oembed from "../model/oembed.js";
import type * as model_s3Client from "../model/s3Client.js";
import type * as model_taskTransitions from "../model/taskTransitions.js";
import type * as model_uploadConfig from "../model/uploadConfig.js";
import type * as model_uploadParts from "../model/uploadParts.js";
import type * as model_uploadRequests from "../model/uploadRequests.js";
import type * as model_uploadSessions from "../model/uploadSessions.js";
import type * as model_workQueues from "../model/workQueues.js";
import type * as model_workerClaims from "../model/workerClaims.js";
import type * as model_workerConfig from "../model/workerConfig.js";
import type * as model_workerSecret from "../model/workerSecret.js";
import type * as model_workerWakeSchedule from "../model/workerWakeSchedule.js";
import type * as sourceMeta from "../sourceMeta.js";
import type * as sourceRetention from "../sourceRetention.js";
import type * as taskQueue from "../taskQueue.js";
import type * as uploadJanitor from "../uploadJanitor.js";
import type * as uploadStorage from "../uploadStorage.js";
import type * as uploads from "../uploads.js";
import type * as workerApi from "../workerApi.js";
import type * as workerQueue from "../workerQueue.js";
import type * as workerStorage from "../workerStorage.js";
import type * as workerWake from "../workerWake.js";
import type * as youtubeMetadata from "../youtubeMetadata.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  artifacts: typeof artifacts;
  auth: typeof auth;
  captions: typeof captions;
  clipStorage: typeof clipStorage;
  clips: typeof clips;
  crons: typeof crons;
  http: typeof http;
  jobs: typeof jobs;
  "lib/appErrors": typeof lib_appErrors;
  "lib/artifactKinds": typeof lib_artifactKinds;
  "lib/captionsView": typeof lib_captionsView;
  "lib/clipFrames": typeof lib_clipFrames;
  "lib/constantTimeEqual": typeof lib_constantTimeEqual;
  "lib/crc32c": typeof lib_crc32c;
  "lib/downloadFileName": typeof lib_downloadFileName;
  "lib/failures": typeof lib_failures;
  "lib/jobStatus": typeof lib_jobStatus;
  "lib/partPlan": typeof lib_partPlan;
  "lib/rightsStatement": typeof lib_rightsStatement;
  "lib/settingNumbers": typeof lib_settingNumbers;
  "lib/sourceMeta": typeof lib_sourceMeta;
  "lib/storageConfig": typeof lib_storageConfig;
  "lib/taskStatus": typeof lib_taskStatus;
  "lib/taskValidators": typeof lib_taskValidators;
  "lib/uploadValidators": typeof lib_uploadValidators;
  "lib/validators": typeof lib_validators;
  "lib/workerProtocol": typeof lib_workerProtocol;
  "lib/youtube": typeof lib_youtube;
  "model/artifactRecords": typeof model_artifactRecords;
  "model/authedFunctions": typeof model_authedFunctions;
  "model/captionsTasks": typeof model_captionsTasks;
  "model/clipConfig": typeof model_clipConfig;
  "model/functionEnv": typeof model_functionEnv;
  "model/intakeLimits": typeof model_intakeLimits;
  "model/jobAccess": typeof model_jobAccess;
  "model/jobCancellation": typeof model_jobCancellation;
  "model/jobTransitions": typeof model_jobTransitions;
  "model/jobViews": typeof model_jobViews;
  "model/modalDrainSpawner": typeof model_modalDrainSpawner;
  "model/multipartStorage": typeof model_multipartStorage;
  "model/objectUrls": typeof model_objectUrls;
  "model/oembed": typeof model_oembed;
  "model/s3Client": typeof model_s3Client;
  "model/taskTransitions": typeof model_taskTransitions;
  "model/uploadConfig": typeof model_uploadConfig;
  "model/uploadParts": typeof model_uploadParts;
  "model/uploadRequests": typeof model_uploadRequests;
  "model/uploadSessions": typeof model_uploadSessions;
  "model/workQueues": typeof model_workQueues;
  "model/workerClaims": typeof model_workerClaims;
  "model/workerConfig": typeof model_workerConfig;
  "model/workerSecret": typeof model_workerSecret;
  "model/workerWakeSchedule": typeof model_workerWakeSchedule;
  sourceMeta: typeof sourceMeta;
  sourceRetention: typeof sourceRetention;
  taskQueue: typeof taskQueue;
  uploadJanitor: typeof uploadJanitor;
  uploadStorage: typeof uploadStorage;
  uploads: typeof uploads;
  workerApi: typeof workerApi;
  workerQueue: typeof workerQueue;
  workerStorage: typeof workerStorage;
  workerWake: typeof workerWake;
  youtubeMetadata: typeof youtubeMetadata;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
