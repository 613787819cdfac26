// Hand-written stand-in for codegen: the fixture calls functions by name.
export { anyApi as api, anyApi as internal } from "convex/server";
